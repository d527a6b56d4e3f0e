/// The JSON string Python's `json.dumps` writes for a latin-1 decoded body
/// (its default `ensure_ascii`), so a test can look for the exact echo.
enum EchoJSON {
    static func string(latin1 bytes: [UInt8]) -> String {
        var out = "\""
        for b in bytes {
            switch b {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x20...0x7E: out.unicodeScalars.append(Unicode.Scalar(b))
            default: out += "\\u00" + hex(b)
            }
        }
        return out + "\""
    }

    private static func hex(_ b: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(b >> 4)], digits[Int(b & 0xF)]])
    }
}
