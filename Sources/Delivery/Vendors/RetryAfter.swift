import NudgeCore

/// The `Retry-After` header (RFC 9110 §10.2.3): how long a vendor asks us to
/// wait, as delay-seconds or as an HTTP date.
enum RetryAfter {
    /// Longest wait honoured. A larger value is a misconfigured proxy rather
    /// than a vendor's plan, and would park jobs for longer than they live.
    static let maximumMs: Millis = 86_400_000

    /// The wait in milliseconds, or nil when the header is absent or
    /// unreadable. A date in the past means "now" (0).
    static func milliseconds(_ value: String?, now: Millis) -> Millis? {
        guard let value else { return nil }
        let text = trimmed(value)
        if !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            // Digits only; more than 9 of them is beyond the cap anyway.
            guard text.utf8.count <= 9, let seconds = Millis(text) else { return maximumMs }
            return min(seconds * 1000, maximumMs)
        }
        guard let date = HTTPDate.millisecondsSinceEpoch(text) else { return nil }
        return min(max(date - now, 0), maximumMs)
    }

    private static func trimmed(_ s: String) -> String {
        var scalars = Substring(s).unicodeScalars[...]
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
