/// The RFC 4648 base64 engine shared by `Base64` (section 4) and
/// `Base64URL` (section 5); only the alphabet and the padding rule differ.
enum Base64Codec {
    /// Which padding a decoder accepts.
    enum Padding {
        /// Text length must be a multiple of 4, completed with `=`.
        case required
        /// Either none at all or exactly the right amount.
        case optional
    }

    /// 64 symbols and the reverse table (0xFF marks "not in the alphabet").
    struct Alphabet: Sendable {
        let symbols: [UInt8]
        let values: [UInt8]

        init(_ symbols: String) {
            self.symbols = Array(symbols.utf8)
            var values = [UInt8](repeating: 0xFF, count: 256)
            for (value, symbol) in self.symbols.enumerated() { values[Int(symbol)] = UInt8(value) }
            self.values = values
        }
    }

    static let standard = Alphabet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
    static let url = Alphabet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    static func encode(_ bytes: [UInt8], alphabet: Alphabet, pad: Bool) -> String {
        let alphabet = alphabet.symbols
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= bytes.count {
            let n = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)])
            out.append(alphabet[Int(n & 63)])
            index += 3
        }
        let rest = bytes.count - index
        if rest > 0 {
            let n = UInt32(bytes[index]) << 16 | (rest == 2 ? UInt32(bytes[index + 1]) << 8 : 0)
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            if rest == 2 { out.append(alphabet[Int(n >> 6 & 63)]) }
            if pad { out.append(contentsOf: rest == 2 ? [UInt8(ascii: "=")] : [UInt8(ascii: "="), UInt8(ascii: "=")]) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `text`, or returns nil for any character outside the
    /// alphabet (whitespace included), misplaced or wrong padding, an
    /// impossible length, or non-zero bits after the last byte. Rejecting
    /// those bits keeps the encoding one-to-one, so two different texts
    /// never stand for the same key or token.
    static func decode(_ text: String, alphabet: Alphabet, padding: Padding) -> [UInt8]? {
        let table = alphabet.values

        var chars = Array(text.utf8)
        var padCount = 0
        while padCount < 2, chars.last == UInt8(ascii: "=") {
            chars.removeLast()
            padCount += 1
        }
        let remainder = chars.count % 4
        if remainder == 1 { return nil }
        let expectedPad = remainder == 0 ? 0 : 4 - remainder
        switch padding {
        case .required where padCount != expectedPad: return nil
        case .optional where padCount != 0 && padCount != expectedPad: return nil
        default: break
        }

        var out: [UInt8] = []
        out.reserveCapacity(chars.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for char in chars {
            let value = table[Int(char)]
            if value == 0xFF { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        // The 2 or 4 bits left over must be zero in a canonical encoding.
        if bits > 0, accumulator & ((1 << UInt32(bits)) - 1) != 0 { return nil }
        return out
    }
}
