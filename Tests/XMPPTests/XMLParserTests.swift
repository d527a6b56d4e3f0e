import Testing
@testable import NudgeXMPP

@Suite struct XMLParserTests {
    @Test func parsesStanzaWithAttributesTextAndChildren() throws {
        let iq = try XMLParser.parse("""
            <iq type='set' id="e1" from='juliet@example.com/balcony'><enable xmlns='urn:xmpp:push:0' \
            jid='push.example.net' node='yxs32uqsflafdk3iuqo'/></iq>
            """)
        #expect(iq.name == "iq")
        #expect(iq.namespace == "")
        #expect(iq.attributes.map(\.name) == ["type", "id", "from"])
        #expect(iq[attribute: "id"] == "e1")
        let enable = try #require(iq.child("enable", namespace: NS.push))
        #expect(enable[attribute: "jid"] == "push.example.net")
        #expect(enable[attribute: "xmlns"] == NS.push)
        #expect(!enable.attributes.contains { $0.name == "xmlns" })
    }

    @Test func childrenInheritTheDefaultNamespace() throws {
        let message = try XMLParser.parse("""
            <message xmlns='jabber:client'><body>hi</body><x xmlns='jabber:x:data' type='form'>\
            <field var='a'><value>1</value></field></x><y xmlns=''><z/></y></message>
            """)
        #expect(message.namespace == NS.client)
        #expect(message.child("body")?.namespace == NS.client)
        let form = try #require(message.child("x"))
        #expect(form.namespace == NS.dataForms)
        #expect(form.child("field")?.namespace == NS.dataForms)
        #expect(form.child("field")?.child("value")?.namespace == NS.dataForms)
        #expect(message.child("y")?.namespace == "")
        #expect(message.child("y")?.child("z")?.namespace == "")
        #expect(message.child("body", namespace: NS.dataForms) == nil)
    }

    @Test func prefixedNamesAndAttributesAreKeptAsWritten() throws {
        let element = try XMLParser.parse("""
            <stream:features xmlns:stream='http://etherx.jabber.org/streams' xml:lang='en'/>
            """)
        #expect(element.name == "stream:features")
        #expect(element.namespace == "")
        #expect(element[attribute: "xmlns:stream"] == "http://etherx.jabber.org/streams")
        #expect(element[attribute: "xml:lang"] == "en")
    }

    @Test func adjacentCharacterDataMergesIntoOneTextNode() throws {
        let body = try XMLParser.parse("<body>a &amp; b<![CDATA[ <c> ]]>&#x1F600;\nd</body>")
        #expect(body.children == [.text("a & b <c> 😀\nd")])
    }

    @Test func whitespaceInsideElementsIsKept() throws {
        let element = try XMLParser.parse("<a>\n  <b> </b>\n</a>")
        #expect(element.children == [.text("\n  "), .element(Element("b", children: [.text(" ")])), .text("\n")])
        #expect(element.text == "\n  \n")
    }

    @Test func acceptsXMLDeclarationAndSurroundingWhitespace() throws {
        let element = try XMLParser.parse("<?xml version='1.0' encoding='UTF-8'?>\n<presence/>\n ")
        #expect(element == Element("presence"))
    }

    @Test func parsesFromBytes() throws {
        let element = try XMLParser.parse(Array("<a b='é'/>".utf8))
        #expect(element[attribute: "b"] == "é")
    }

    @Test func unicodeSurvives() throws {
        let element = try XMLParser.parse("<msg lang='日本語'>Grüße 🌍 مرحبا</msg>")
        #expect(element[attribute: "lang"] == "日本語")
        #expect(element.text == "Grüße 🌍 مرحبا")
    }

    @Test func attributeValuesAreNormalisedLikeXMLSays() throws {
        let element = try XMLParser.parse("<a v='x\ty\nz' w='&#9;&#10;'/>")
        #expect(element[attribute: "v"] == "x y z")
        #expect(element[attribute: "w"] == "\t\n")
    }

    @Test func acceptsTheLimitsExactly() throws {
        let deep = String(repeating: "<a>", count: 64) + String(repeating: "</a>", count: 64)
        #expect(throws: Never.self) { try XMLParser.parse(deep) }
        let attributes = (0..<64).map { " a\($0)='v'" }.joined()
        #expect(throws: Never.self) { try XMLParser.parse("<a\(attributes)/>") }
        let limits = XMLLimits(maxBytes: 10)
        #expect(throws: Never.self) { try XMLParser.parse("<abcdef/>\n", limits: limits) }
    }

    @Test func defaultAllocationBudgetScalesWithMaxBytes() {
        #expect(XMLLimits().maxAllocationBytes == 65_536 + 16 * 262_144)
        #expect(XMLLimits(maxBytes: 1000).maxAllocationBytes == 65_536 + 16_000)
        #expect(XMLLimits(maxAllocationBytes: 5).maxAllocationBytes == 5)
        #expect(XMLLimits(maxBytes: .max).maxAllocationBytes == .max)
    }

    @Test func aLargeStanzaWithinTheLimitsParses() throws {
        let body = String(repeating: "x", count: 250_000)
        let element = try XMLParser.parse("<message to='a@b' v='\(body)'><body>\(body)</body></message>",
                                          limits: XMLLimits(maxBytes: 600_000))
        #expect(element.child("body")?.text.utf8.count == 250_000)
        #expect(element[attribute: "v"]?.utf8.count == 250_000)
    }
}
