import Glibc

/// Numeric IP addresses as text.
public enum IPAddress {
    /// The bytes of a numeric address as curl reports it ("10.0.0.5",
    /// "::1"), network order, or nil for anything else (a name).
    public static func bytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }
}
