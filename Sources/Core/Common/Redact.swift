/// Secrets, device tokens and node names (which some app servers make
/// from device tokens) are never logged in full: enough to tell two apart
/// when debugging, not enough to use.
public enum Redact {
    public static func token(_ s: String) -> String {
        let count = s.count
        guard count > 8 else { return String(repeating: "*", count: max(count, 1)) }
        return String(s.prefix(4)) + "…(\(count))"
    }
}
