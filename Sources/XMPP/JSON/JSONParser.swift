extension JSON {
    /// The deepest nesting of arrays and objects `parse` accepts; deeper
    /// documents are refused before they can exhaust the stack.
    public static let maxDepth = 64

    /// Parses one JSON value, strictly per RFC 8259: no comments, no
    /// trailing commas, no leading zeros, escapes and surrogate pairs
    /// checked. A key appearing twice in one object is an error, since
    /// which of the two a reader would honour is anyone's guess.
    public static func parse(_ text: String) throws(JSONError) -> JSON {
        var text = text
        let result = text.withUTF8 { bytes in
            Result { () throws(JSONError) -> JSON in
                var parser = JSONParser(bytes)
                return try parser.parseDocument()
            }
        }
        return try result.get()
    }
}

/// A recursive-descent parser over the document's UTF-8 bytes. The input
/// is a Swift string, so it is valid UTF-8 already and bytes from 0x80 up
/// can be copied into strings without decoding.
struct JSONParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    private var depth = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    mutating func parseDocument() throws(JSONError) -> JSON {
        let value = try parseValue()
        skipWhitespace()
        if position < bytes.count {
            throw error("unexpected \(describeCurrent()) after the JSON value")
        }
        return value
    }

    private mutating func parseValue() throws(JSONError) -> JSON {
        skipWhitespace()
        guard position < bytes.count else {
            throw error("unexpected end of input, expected a JSON value")
        }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try parseLiteral("true", .bool(true))
        case UInt8(ascii: "f"): return try parseLiteral("false", .bool(false))
        case UInt8(ascii: "n"): return try parseLiteral("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("unexpected \(describeCurrent()), expected a JSON value")
        }
    }

    private mutating func parseObject() throws(JSONError) -> JSON {
        try enterContainer()
        position += 1
        var object = JSONObject()
        skipWhitespace()
        if consume(UInt8(ascii: "}")) {
            depth -= 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                throw error("expected a string key, found \(describeCurrent())")
            }
            let keyPosition = position
            let key = try parseString()
            skipWhitespace()
            guard consume(UInt8(ascii: ":")) else {
                throw error("expected ':' after key \(quoted(key)), found \(describeCurrent())")
            }
            let value = try parseValue()
            guard object.insertNew(key, value) else {
                throw error("duplicate key \(quoted(key))", at: keyPosition)
            }
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            if consume(UInt8(ascii: "}")) { break }
            throw error("expected ',' or '}', found \(describeCurrent())")
        }
        depth -= 1
        return .object(object)
    }

    private mutating func parseArray() throws(JSONError) -> JSON {
        try enterContainer()
        position += 1
        var elements: [JSON] = []
        skipWhitespace()
        if consume(UInt8(ascii: "]")) {
            depth -= 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue())
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            if consume(UInt8(ascii: "]")) { break }
            throw error("expected ',' or ']', found \(describeCurrent())")
        }
        depth -= 1
        return .array(elements)
    }

    private mutating func enterContainer() throws(JSONError) {
        depth += 1
        if depth > JSON.maxDepth {
            throw error("nesting deeper than \(JSON.maxDepth) levels")
        }
    }

    /// Parses a string starting at its opening quote.
    private mutating func parseString() throws(JSONError) -> String {
        let start = position
        position += 1
        var decoded: [UInt8] = []
        var runStart = position
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                decoded.append(contentsOf: bytes[runStart..<position])
                position += 1
                return String(decoding: decoded, as: UTF8.self)
            case UInt8(ascii: "\\"):
                decoded.append(contentsOf: bytes[runStart..<position])
                try parseEscape(into: &decoded)
                runStart = position
            case 0x00..<0x20:
                throw error("unescaped control character \(unicodeName(UInt32(byte))) in string")
            default:
                position += 1
            }
        }
        throw error("unterminated string", at: start)
    }

    /// Parses one escape sequence starting at its backslash.
    private mutating func parseEscape(into decoded: inout [UInt8]) throws(JSONError) {
        let escapeStart = position
        position += 1
        guard position < bytes.count else {
            throw error("unterminated string")
        }
        let letter = bytes[position]
        position += 1
        let simple: UInt8
        switch letter {
        case UInt8(ascii: "\""): simple = UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): simple = UInt8(ascii: "\\")
        case UInt8(ascii: "/"): simple = UInt8(ascii: "/")
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"):
            let scalar = try parseUnicodeEscape(escapeStart: escapeStart)
            decoded.append(contentsOf: UTF8.encode(scalar)!)
            return
        default:
            position = escapeStart
            throw error("invalid escape character \(describe(at: escapeStart + 1))")
        }
        decoded.append(simple)
    }

    /// Parses the hex digits of `\uXXXX` (the `\u` already consumed), and
    /// the low half that must follow a high surrogate.
    private mutating func parseUnicodeEscape(escapeStart: Int) throws(JSONError) -> Unicode.Scalar {
        let unit = try parseHex4(escapeStart: escapeStart)
        switch unit {
        case 0xD800...0xDBFF:
            let lowStart = position
            guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                  bytes[position + 1] == UInt8(ascii: "u") else {
                throw error("unpaired surrogate \\u\(hex4(unit))", at: escapeStart)
            }
            position += 2
            let low = try parseHex4(escapeStart: lowStart)
            guard (0xDC00...0xDFFF).contains(low) else {
                throw error("unpaired surrogate \\u\(hex4(unit))", at: escapeStart)
            }
            return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))!
        case 0xDC00...0xDFFF:
            throw error("unpaired surrogate \\u\(hex4(unit))", at: escapeStart)
        default:
            return Unicode.Scalar(unit)!
        }
    }

    private mutating func parseHex4(escapeStart: Int) throws(JSONError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard position < bytes.count, let digit = hexValue(bytes[position]) else {
                throw error("invalid \\u escape: expected four hex digits", at: escapeStart)
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    private func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// Parses a number per RFC 8259 §6:
    /// `-? (0 | [1-9][0-9]*) (\.[0-9]+)? ([eE][+-]?[0-9]+)?`.
    private mutating func parseNumber() throws(JSONError) -> JSON {
        let start = position
        _ = consume(UInt8(ascii: "-"))
        guard position < bytes.count, isDigit(bytes[position]) else {
            throw error("expected a digit after '-', found \(describeCurrent())")
        }
        if consume(UInt8(ascii: "0")) {
            if position < bytes.count, isDigit(bytes[position]) {
                throw error("leading zeros are not allowed", at: start)
            }
        } else {
            skipDigits()
        }
        if consume(UInt8(ascii: ".")) {
            guard position < bytes.count, isDigit(bytes[position]) else {
                throw error("expected a digit after '.', found \(describeCurrent())")
            }
            skipDigits()
        }
        if consume(UInt8(ascii: "e")) || consume(UInt8(ascii: "E")) {
            if !consume(UInt8(ascii: "+")) { _ = consume(UInt8(ascii: "-")) }
            guard position < bytes.count, isDigit(bytes[position]) else {
                throw error("expected a digit in the exponent, found \(describeCurrent())")
            }
            skipDigits()
        }
        let literal = String(decoding: bytes[start..<position], as: UTF8.self)
        guard let value = Double(literal), value.isFinite else {
            throw error("number \(literal) is out of range", at: start)
        }
        return .number(value)
    }

    private mutating func parseLiteral(_ word: StaticString, _ value: JSON) throws(JSONError) -> JSON {
        let length = word.utf8CodeUnitCount
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: length)
        guard position + length <= bytes.count, bytes[position..<position + length].elementsEqual(expected) else {
            throw error("unexpected \(describeCurrent()), expected a JSON value")
        }
        position += length
        return value
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private mutating func skipDigits() {
        while position < bytes.count, isDigit(bytes[position]) {
            position += 1
        }
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    // MARK: Error messages

    /// An error at `offset` (the current position by default), located by
    /// line and column; columns count characters, not bytes. Positions are
    /// worked out only here, so the happy path pays nothing for them.
    private func error(_ message: String, at offset: Int? = nil) -> JSONError {
        let offset = min(offset ?? position, bytes.count)
        var line = 1
        var column = 1
        for byte in bytes[..<offset] {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return JSONError("line \(line), column \(column): \(message)")
    }

    private func describeCurrent() -> String {
        describe(at: position)
    }

    /// The character at `offset` as a message shows it.
    private func describe(at offset: Int) -> String {
        guard offset < bytes.count else { return "end of input" }
        var end = offset + 1
        while end < bytes.count, bytes[end] & 0xC0 == 0x80 {
            end += 1
        }
        let character = String(decoding: bytes[offset..<end], as: UTF8.self)
        guard let scalar = character.unicodeScalars.first,
              scalar.value >= 0x20, scalar.value != 0x7F, !scalar.properties.isWhitespace else {
            return unicodeName(character.unicodeScalars.first?.value ?? 0)
        }
        return "'\(character)'"
    }

    private func unicodeName(_ value: UInt32) -> String {
        "U+" + hex4(value)
    }

    private func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    private func quoted(_ key: String) -> String {
        JSON.string(key).serialized()
    }
}
