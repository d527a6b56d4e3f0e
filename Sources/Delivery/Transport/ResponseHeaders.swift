/// Collects the final response's header lines as curl hands them over, one
/// line per call, status lines included.
///
/// curl passes the headers of every response it reads for a request: interim
/// `100 Continue` / `103 Early Hints` answers and, were redirects followed,
/// each hop. A status line therefore starts over, so only the last
/// response's headers remain.
struct ResponseHeaders {
    /// Enough for any vendor's answer; a response beyond it is refused rather
    /// than held in memory.
    static let maxBytes = 64 * 1024

    private(set) var fields: [(name: String, value: String)] = []
    private(set) var byteCount = 0

    /// Takes one raw line (with its CRLF). Returns false when the headers
    /// have grown past `maxBytes`.
    mutating func consume(_ line: UnsafeRawBufferPointer) -> Bool {
        var bytes = line[...]
        while let last = bytes.last, last == 0x0D || last == 0x0A { bytes = bytes.dropLast() }
        if bytes.starts(with: Self.statusPrefix) {
            fields.removeAll(keepingCapacity: true)
            byteCount = 0
            return true
        }
        if bytes.isEmpty { return true }   // the blank line ending a header block
        byteCount += line.count
        guard byteCount <= Self.maxBytes else { return false }
        if let first = bytes.first, first == 0x20 || first == 0x09 {
            // An obsolete folded continuation line (HTTP/1.1): part of the previous value.
            if let previous = fields.popLast() {
                let more = Self.trimmed(bytes)
                fields.append((previous.name, previous.value + " " + String(decoding: more, as: UTF8.self)))
            }
            return true
        }
        guard let colon = bytes.firstIndex(of: 0x3A) else { return true }
        let name = String(decoding: bytes[..<colon], as: UTF8.self)
        let value = String(decoding: Self.trimmed(bytes[(colon + 1)...]), as: UTF8.self)
        fields.append((Self.lowercased(name), value))
        return true
    }

    private static let statusPrefix: [UInt8] = Array("HTTP/".utf8)

    private static func trimmed(_ bytes: Slice<UnsafeRawBufferPointer>) -> Slice<UnsafeRawBufferPointer> {
        var b = bytes
        while let f = b.first, f == 0x20 || f == 0x09 { b = b.dropFirst() }
        while let l = b.last, l == 0x20 || l == 0x09 { b = b.dropLast() }
        return b
    }

    /// Header names are ASCII; lowercasing only ASCII letters keeps any stray
    /// non-ASCII byte as it came.
    static func lowercased(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return s }
        return String(decoding: s.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
    }
}
