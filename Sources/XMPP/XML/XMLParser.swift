import CExpat
import CXMLGuard

/// Reads one stanza into an `Element`, refusing what RFC 6120 forbids and
/// what exceeds `XMLLimits`.
///
/// expat runs without its namespace processing: XMPP stanzas reach the
/// engine with at most default-namespace declarations, which are tracked
/// here, and prefixed names are kept as written.
public enum XMLParser {
    /// Parses exactly one element from UTF-8 bytes.
    ///
    /// The size limit is checked before any parsing; the other limits stop
    /// the parse as soon as they are crossed.
    public static func parse(_ bytes: UnsafeRawBufferPointer, limits: XMLLimits = XMLLimits()) throws(XMLError)
        -> Element {
        // expat takes the length as an int.
        let maxBytes = min(limits.maxBytes, Int(Int32.max))
        guard bytes.count <= maxBytes else {
            throw XMLError(.tooLarge, "stanza is \(bytes.count) bytes; the limit is \(maxBytes)")
        }
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            throw XMLError(.malformed, "no element")
        }
        // A fresh parser per stanza: creating one costs a small fraction of
        // parsing even a short stanza, and nothing can carry over from the
        // previous one (settings, budget, pooled memory).
        let account = UnsafeMutablePointer<nudge_xml_account>.allocate(capacity: 1)
        defer { account.deallocate() }
        account.initialize(to: nudge_xml_account(limit: max(0, limits.maxAllocationBytes), used: 0))

        guard let parser = nudge_xml_parser_create(account) else {
            throw outOfMemory(limits)
        }
        defer { nudge_xml_parser_free(parser) }

        let builder = TreeBuilder(limits: limits)
        builder.parser = parser
        return try withExtendedLifetime(builder) { () throws(XMLError) -> Element in
            install(builder, on: parser)
            let status = nudge_xml_parse(parser, account, base.assumingMemoryBound(to: CChar.self),
                                         Int32(bytes.count), 1)
            if let failure = builder.failure {
                throw failure
            }
            guard status == XML_STATUS_OK else {
                throw expatError(parser, builder: builder, limits: limits)
            }
            guard let root = builder.root else {
                throw XMLError(.malformed, "no element")
            }
            return root
        }
    }

    /// The root element's name, namespace and attributes, without its
    /// content, from a stanza that may be too large, too deep or malformed
    /// further on: enough to address an error reply to its sender. Reads
    /// at most `maxBytes` from the start; nil when the start tag itself
    /// cannot be read there.
    public static func rootStartTag(_ bytes: UnsafeRawBufferPointer, maxBytes: Int = 16_384) -> Element? {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return nil }
        let limits = XMLLimits()
        let account = UnsafeMutablePointer<nudge_xml_account>.allocate(capacity: 1)
        defer { account.deallocate() }
        account.initialize(to: nudge_xml_account(limit: max(0, limits.maxAllocationBytes), used: 0))
        guard let parser = nudge_xml_parser_create(account) else { return nil }
        defer { nudge_xml_parser_free(parser) }
        let builder = TreeBuilder(limits: limits)
        builder.parser = parser
        builder.stopAtRoot = true
        return withExtendedLifetime(builder) { () -> Element? in
            install(builder, on: parser)
            // Not final: the prefix read here ends inside the stanza.
            _ = nudge_xml_parse(parser, account, base.assumingMemoryBound(to: CChar.self),
                                Int32(min(bytes.count, maxBytes)), 0)
            guard builder.failure == nil else { return nil }
            return builder.openElements.first
        }
    }

    /// Parses exactly one element from a string.
    public static func parse(_ string: String, limits: XMLLimits = XMLLimits()) throws(XMLError) -> Element {
        var string = string
        let result = string.withUTF8 { utf8 in
            Result { () throws(XMLError) -> Element in
                try parse(UnsafeRawBufferPointer(utf8), limits: limits)
            }
        }
        return try result.get()
    }

    /// Parses exactly one element from UTF-8 bytes.
    public static func parse(_ bytes: [UInt8], limits: XMLLimits = XMLLimits()) throws(XMLError) -> Element {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(XMLError) -> Element in
                try parse(buffer, limits: limits)
            }
        }
        return try result.get()
    }

    private static func install(_ builder: TreeBuilder, on parser: XML_Parser) {
        XML_SetUserData(parser, Unmanaged.passUnretained(builder).toOpaque())

        XML_SetElementHandler(parser, { userData, name, attributes in
            guard let name, let attributes else { return }
            treeBuilder(userData).startElement(name: name, attributes: attributes)
        }, { userData, _ in
            treeBuilder(userData).endElement()
        })
        XML_SetCharacterDataHandler(parser, { userData, bytes, length in
            guard let bytes else { return }
            treeBuilder(userData).characters(UnsafeRawBufferPointer(start: bytes, count: Int(length)))
        })
        XML_SetStartDoctypeDeclHandler(parser, { userData, _, _, _, _ in
            treeBuilder(userData).refuseConstruct("DOCTYPE")
        })
        XML_SetEntityDeclHandler(parser, { userData, _, _, _, _, _, _, _, _ in
            treeBuilder(userData).refuseConstruct("entity declaration")
        })
        XML_SetCommentHandler(parser, { userData, _ in
            treeBuilder(userData).refuseConstruct("comment")
        })
        XML_SetProcessingInstructionHandler(parser, { userData, _, _ in
            treeBuilder(userData).refuseConstruct("processing instruction")
        })
    }

    private static func expatError(_ parser: XML_Parser, builder: TreeBuilder, limits: XMLLimits) -> XMLError {
        let code = XML_GetErrorCode(parser)
        if code == XML_ERROR_NO_MEMORY {
            return outOfMemory(limits)
        }
        let position = "line \(XML_GetCurrentLineNumber(parser)), column \(XML_GetCurrentColumnNumber(parser) + 1)"
        if code == XML_ERROR_NO_ELEMENTS {
            // expat says "no element found" both for an empty document and
            // for one cut off inside an element; tell them apart.
            if let open = builder.openElements.last {
                return XMLError(.malformed, "\(position): input ends inside <\(open.name)>")
            }
            return XMLError(.malformed, "no element")
        }
        let reason = XML_ErrorString(code).map { String(cString: $0) } ?? "expat error \(code.rawValue)"
        let kind: XMLError.Kind = code == XML_ERROR_AMPLIFICATION_LIMIT_BREACH ? .forbidden : .malformed
        return XMLError(kind, "\(position): \(reason)")
    }

    private static func outOfMemory(_ limits: XMLLimits) -> XMLError {
        XMLError(.outOfMemory, "parsing needs more than the \(limits.maxAllocationBytes)-byte memory budget")
    }
}

/// The builder a handler serves: expat hands back the pointer `install`
/// registered, and the parse keeps the builder alive while it runs.
private func treeBuilder(_ userData: UnsafeMutableRawPointer?) -> TreeBuilder {
    Unmanaged<TreeBuilder>.fromOpaque(userData!).takeUnretainedValue()
}
