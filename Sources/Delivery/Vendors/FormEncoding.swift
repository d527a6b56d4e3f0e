/// `application/x-www-form-urlencoded` values (the OAuth token requests).
enum FormEncoding {
    private static let hexDigits = Array("0123456789ABCDEF".unicodeScalars)

    /// Percent-encodes every byte but RFC 3986's unreserved characters, so
    /// a secret with `&`, `=`, `+` or spaces arrives as written.
    static func encode(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            let unreserved = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
                || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
            if unreserved {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hexDigits[Int(byte >> 4)])
                out.unicodeScalars.append(hexDigits[Int(byte & 0xF)])
            }
        }
        return out
    }

    /// `name=value&…`, each part encoded.
    static func body(_ fields: [(String, String)]) -> String {
        fields.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }
}
