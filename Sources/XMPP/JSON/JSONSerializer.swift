extension JSON {
    /// Compact JSON text: no whitespace, object keys in insertion order,
    /// whole numbers up to ±2^53 without a fraction, non-finite numbers
    /// (which JSON cannot express) as `null`.
    public func serialized() -> String {
        var output: [UInt8] = []
        write(to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    private func write(to output: inout [UInt8]) {
        switch self {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .bool(let value):
            output.append(contentsOf: (value ? "true" : "false").utf8)
        case .number(let value):
            output.append(contentsOf: JSON.format(value).utf8)
        case .string(let value):
            JSON.writeString(value, to: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                element.write(to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            for (index, member) in object.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                JSON.writeString(member.key, to: &output)
                output.append(UInt8(ascii: ":"))
                member.value.write(to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// Integers exactly representable in a double print as integers;
    /// everything else uses Swift's shortest round-tripping form, which
    /// is valid JSON for finite values (`0.1`, `1e+100`, `5e-324`).
    private static func format(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), value.magnitude <= 9_007_199_254_740_992 {
            return String(Int64(value))
        }
        return value.description
    }

    /// Writes a quoted string, escaping `"`, `\` and the control
    /// characters U+0000…U+001F as RFC 8259 §7 requires; controls use the
    /// `\u00XX` form throughout so every reader decodes them alike.
    private static func writeString(_ string: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { bytes in
            var runStart = 0
            for (index, byte) in bytes.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"")
                || byte == UInt8(ascii: "\\") {
                output.append(contentsOf: bytes[runStart..<index])
                output.append(UInt8(ascii: "\\"))
                if byte < 0x20 {
                    output.append(UInt8(ascii: "u"))
                    output.append(UInt8(ascii: "0"))
                    output.append(UInt8(ascii: "0"))
                    output.append(hexDigit(byte >> 4))
                    output.append(hexDigit(byte & 0xF))
                } else {
                    output.append(byte)
                }
                runStart = index + 1
            }
            output.append(contentsOf: bytes[runStart..<bytes.count])
        }
        output.append(UInt8(ascii: "\""))
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
