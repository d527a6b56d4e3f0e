import Testing
@testable import NudgeXMPP

@Suite struct XMLSerializerTests {
    @Test func writesNamespacesOnlyWhereTheyChange() throws {
        let source = """
            <iq type='set' id='x'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='n'>\
            <item><notification xmlns='urn:xmpp:push:0'><x xmlns='jabber:x:data' type='submit'/>\
            </notification></item></publish></pubsub></iq>
            """
        let element = try XMLParser.parse(source)
        #expect(element.serialized() == source)
        #expect(element.child("pubsub")?.serialized(parentNamespace: NS.pubsub) == """
            <pubsub><publish node='n'><item><notification xmlns='urn:xmpp:push:0'><x xmlns='jabber:x:data' \
            type='submit'/></notification></item></publish></pubsub>
            """)
    }

    @Test func topLevelNamespaceIsWrittenWhenItDiffers() throws {
        let message = try XMLParser.parse("<message xmlns='jabber:client'><body>x</body></message>")
        #expect(message.serialized() == "<message xmlns='jabber:client'><body>x</body></message>")
        #expect(message.serialized(parentNamespace: NS.client) == "<message><body>x</body></message>")
    }

    @Test func undeclaresTheNamespaceOfAChildInNone() throws {
        var parent = Element("a", namespace: "urn:a")
        parent.children = [.element(Element("b"))]
        #expect(parent.serialized() == "<a xmlns='urn:a'><b xmlns=''/></a>")
        #expect(try XMLParser.parse(parent.serialized()) == parent)
    }

    @Test func escapesEverySpecialCharacter() throws {
        let element = Element("a", attributes: [("v", "&<>'\"\t\n\r")], children: [.text("&<>'\"\t\n\r]]>")])
        let xml = element.serialized()
        #expect(xml == "<a v='&amp;&lt;&gt;&apos;&quot;&#9;&#10;&#13;'>&amp;&lt;&gt;'\"\t\n&#13;]]&gt;</a>")
        #expect(try XMLParser.parse(xml) == element)
    }

    @Test func replacesCharactersXMLCannotCarry() throws {
        let element = Element("a", attributes: [("v", "x\u{1}y")], children: [.text("\u{0}\u{FFFE}\u{FFFF}\u{FFFD}z")])
        let xml = element.serialized()
        #expect(xml == "<a v='x\u{FFFD}y'>\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}z</a>")
        #expect(throws: Never.self) { try XMLParser.parse(xml) }
    }

    @Test func writesEmptyElementsSelfClosed() {
        #expect(Element("a", children: [.text("")]).serialized() == "<a></a>")
        #expect(Element("a").serialized() == "<a/>")
        #expect(Element("a").serializedBytes() == Array("<a/>".utf8))
    }

    @Test func randomTreesSurviveARoundTrip() throws {
        var random = SeededGenerator(seed: 0x5EED)
        for _ in 0..<300 {
            let tree = randomElement(depth: 0, using: &random)
            let xml = tree.serialized()
            let parsed = try XMLParser.parse(xml)
            #expect(parsed == tree, "\(xml)")
            #expect(parsed.serialized() == xml)
        }
    }

    private static let names = ["a", "iq", "body", "x-y", "p:q", "_n", "é", "日本"]
    private static let attributeNames = ["id", "to", "xml:lang", "b-c", "d.e", "xmlns:s", "ü"]
    private static let namespaces = ["", "", "urn:a", "urn:b", "jabber:client", "http://x/?a=1&b='2'"]
    private static let textPieces = ["&", "<", ">", "'", "\"", "\t", "\n", "\r", "\r\n", " ", "]]>", "plain",
                                     "é", "中文", "😀", "\u{FFFD}", "&amp;", "x"]

    private func randomText(using random: inout SeededGenerator) -> String {
        (0..<Int.random(in: 1...6, using: &random)).map { _ in Self.textPieces.randomElement(using: &random)! }
            .joined()
    }

    private func randomElement(depth: Int, using random: inout SeededGenerator) -> Element {
        var attributes: [(String, String)] = []
        for name in Self.attributeNames.shuffled(using: &random).prefix(Int.random(in: 0...3, using: &random)) {
            attributes.append((name, randomText(using: &random)))
        }
        var children: [XMLNode] = []
        var lastWasText = false
        for _ in 0..<(depth < 4 ? Int.random(in: 0...4, using: &random) : 0) {
            // Adjacent text nodes would merge on parsing; keep them apart.
            if !lastWasText && Bool.random(using: &random) {
                children.append(.text(randomText(using: &random)))
                lastWasText = true
            } else {
                children.append(.element(randomElement(depth: depth + 1, using: &random)))
                lastWasText = false
            }
        }
        return Element(Self.names.randomElement(using: &random)!,
                       namespace: Self.namespaces.randomElement(using: &random)!,
                       attributes: attributes, children: children)
    }
}
