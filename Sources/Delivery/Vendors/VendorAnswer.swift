import NudgeXMPP

/// Reading vendors' answer bodies, which are small JSON documents when the
/// vendor wrote them and anything at all when a proxy or load balancer did.
enum VendorAnswer {
    /// The body as JSON, or nil when it is not UTF-8 JSON.
    static func json(_ body: [UInt8]) -> JSON? {
        guard !body.isEmpty, let text = String(validating: body, as: UTF8.self) else { return nil }
        return try? JSON.parse(text)
    }

    /// The start of the body, printable, for a reason an operator reads: an
    /// unexpected answer is easiest to diagnose from its own words.
    static func excerpt(_ body: [UInt8], limit: Int = 80) -> String {
        let text = String(decoding: body.prefix(limit * 4), as: UTF8.self)
        var out = ""
        var count = 0
        for character in text {
            guard count < limit else { return out + "…" }
            // Newlines and other controls would break a log line.
            out.append(character.isASCII && (character.asciiValue! < 0x20 || character.asciiValue! == 0x7F) ? " " : character)
            count += 1
        }
        return out
    }

    /// "<vendor> <status>" followed by the body's start, for answers no row
    /// of the vendor's table covers.
    static func unexpected(_ vendor: String, status: Int, body: [UInt8]) -> String {
        body.isEmpty ? "\(vendor) \(status) (empty body)" : "\(vendor) \(status): \(excerpt(body))"
    }
}
