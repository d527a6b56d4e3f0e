extension String {
    /// The longest prefix of at most `maxBytes` UTF-8 bytes that ends on a
    /// Unicode scalar boundary: still valid UTF-8 where a byte limit
    /// applies (a push's message, an APNs collapse id).
    public func utf8Prefix(_ maxBytes: Int) -> String {
        guard utf8.count > maxBytes else { return self }
        var out = String.UnicodeScalarView()
        var bytes = 0
        for scalar in unicodeScalars {
            let size = UTF8.width(scalar)
            guard bytes + size <= maxBytes else { break }
            out.append(scalar)
            bytes += size
        }
        return String(out)
    }
}
