extension Element {
    /// The element as XML text, ready to send.
    ///
    /// `xmlns='…'` is written on this element when its namespace differs
    /// from `parentNamespace`, the namespace in effect where the text will
    /// be placed: a stanza built with namespace `""` gets none and takes
    /// the stream's. Attribute values are single-quoted. Names are written
    /// as they are; the caller is responsible for them being XML names.
    /// Characters XML 1.0 cannot carry at all (controls other than tab,
    /// newline and carriage return; U+FFFE, U+FFFF) become U+FFFD.
    public func serialized(parentNamespace: String = "") -> String {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        write(to: &output, parentNamespace: parentNamespace)
        return String(decoding: output, as: UTF8.self)
    }

    /// The element as UTF-8 XML, as `serialized(parentNamespace:)` writes it.
    public func serializedBytes(parentNamespace: String = "") -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        write(to: &output, parentNamespace: parentNamespace)
        return output
    }

    func write(to output: inout [UInt8], parentNamespace: String) {
        output.append(UInt8(ascii: "<"))
        output.append(contentsOf: name.utf8)
        if namespace != parentNamespace {
            writeAttribute(name: "xmlns", value: namespace, to: &output)
        }
        for attribute in attributes where attribute.name != "xmlns" {
            writeAttribute(name: attribute.name, value: attribute.value, to: &output)
        }
        if children.isEmpty {
            output.append(UInt8(ascii: "/"))
            output.append(UInt8(ascii: ">"))
            return
        }
        output.append(UInt8(ascii: ">"))
        for child in children {
            switch child {
            case .element(let element):
                element.write(to: &output, parentNamespace: namespace)
            case .text(let text):
                XMLEscaping.append(text, to: &output, inAttribute: false)
            }
        }
        output.append(UInt8(ascii: "<"))
        output.append(UInt8(ascii: "/"))
        output.append(contentsOf: name.utf8)
        output.append(UInt8(ascii: ">"))
    }

    private func writeAttribute(name: String, value: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: " "))
        output.append(contentsOf: name.utf8)
        output.append(UInt8(ascii: "="))
        output.append(UInt8(ascii: "'"))
        XMLEscaping.append(value, to: &output, inAttribute: true)
        output.append(UInt8(ascii: "'"))
    }
}

/// Character escaping for XML output, on UTF-8 bytes so that the common
/// case (nothing to escape) is one bulk copy.
enum XMLEscaping {
    /// Appends `string` escaped for element content or for a single- or
    /// double-quoted attribute value.
    ///
    /// Text escapes `&`, `<`, `>` and also carriage return, which a parser
    /// would otherwise turn into a newline. Attribute values also escape
    /// both quotes, tab and newline, which attribute-value normalisation
    /// would otherwise turn into spaces.
    static func append(_ string: String, to output: inout [UInt8], inAttribute: Bool) {
        var string = string
        string.withUTF8 { bytes in
            var runStart = 0
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                let replacement: StaticString?
                var length = 1
                switch byte {
                case UInt8(ascii: "&"): replacement = "&amp;"
                case UInt8(ascii: "<"): replacement = "&lt;"
                case UInt8(ascii: ">"): replacement = "&gt;"
                case UInt8(ascii: "\r"): replacement = "&#13;"
                case UInt8(ascii: "'") where inAttribute: replacement = "&apos;"
                case UInt8(ascii: "\"") where inAttribute: replacement = "&quot;"
                case UInt8(ascii: "\t") where inAttribute: replacement = "&#9;"
                case UInt8(ascii: "\n") where inAttribute: replacement = "&#10;"
                case 0x00...0x08, 0x0B, 0x0C, 0x0E...0x1F: replacement = "\u{FFFD}"
                case 0xEF where index + 2 < bytes.count && bytes[index + 1] == 0xBF && bytes[index + 2] >= 0xBE:
                    replacement = "\u{FFFD}"
                    length = 3
                default: replacement = nil
                }
                guard let replacement else {
                    index += 1
                    continue
                }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                output.append(contentsOf: UnsafeBufferPointer(start: replacement.utf8Start,
                                                              count: replacement.utf8CodeUnitCount))
                index += length
                runStart = index
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        }
    }
}
