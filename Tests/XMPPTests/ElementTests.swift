import Testing
@testable import NudgeXMPP

@Suite struct ElementTests {
    @Test func attributeSubscriptReadsSetsAndRemoves() {
        var element = Element("iq", attributes: [("type", "get"), ("id", "1")])
        #expect(element[attribute: "type"] == "get")
        #expect(element[attribute: "to"] == nil)
        element[attribute: "type"] = "result"
        element[attribute: "to"] = "a@b"
        #expect(element.attributes.map(\.name) == ["type", "id", "to"])
        #expect(element[attribute: "type"] == "result")
        element[attribute: "id"] = nil
        #expect(element.attributes.map(\.name) == ["type", "to"])
        element[attribute: "xmlns"] = NS.client
        #expect(element.namespace == NS.client)
        #expect(element.attributes.count == 2)
        element[attribute: "xmlns"] = nil
        #expect(element.namespace == "")
    }

    @Test func xmlnsInTheAttributeListBecomesTheNamespace() {
        let element = Element("query", attributes: [("xmlns", NS.discoInfo), ("node", "n")])
        #expect(element.namespace == NS.discoInfo)
        #expect(element.attributes.map(\.name) == ["node"])
        let explicit = Element("query", namespace: NS.discoItems, attributes: [("xmlns", NS.discoInfo)])
        #expect(explicit.namespace == NS.discoItems)
        #expect(explicit.attributes.isEmpty)
        let copy = Element(element.name, namespace: element.namespace, attributes: element.attributes)
        #expect(copy == element)
    }

    @Test func findsChildrenByNameAndNamespace() throws {
        let element = try XMLParser.parse("""
            <message><body>1</body><x xmlns='a'/><body xmlns='b'>2</body>text<x xmlns='c'/></message>
            """)
        #expect(element.elements.count == 4)
        #expect(element.child("body")?.text == "1")
        #expect(element.child("body", namespace: "b")?.text == "2")
        #expect(element.child("x", namespace: "c")?.namespace == "c")
        #expect(element.child("y") == nil)
        #expect(element.children("x").map(\.namespace) == ["a", "c"])
        #expect(element.children(namespace: "b").map(\.name) == ["body"])
        #expect(element.children().count == 4)
        #expect(element.text == "text")
    }

    @Test func builtChildrenTakeTheirParentsNamespace() {
        var pubsub = Element("pubsub", namespace: NS.pubsub)
        var publish = Element("publish", attributes: [("node", "n")])
        publish.append(Element("item"))
        pubsub.append(publish)
        pubsub.append(Element("publish-options", children: [.element(Element("x", namespace: NS.dataForms))]))
        #expect(pubsub.child("publish")?.namespace == NS.pubsub)
        #expect(pubsub.child("publish")?.child("item")?.namespace == NS.pubsub)
        #expect(pubsub.child("publish-options")?.child("x")?.namespace == NS.dataForms)
        let built = Element("iq", children: [.element(pubsub)])
        #expect(built.serialized() == """
            <iq><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='n'><item/></publish>\
            <publish-options><x xmlns='jabber:x:data'/></publish-options></pubsub></iq>
            """)
    }

    @Test func equalityComparesAttributesInOrder() {
        let first = Element("a", attributes: [("x", "1"), ("y", "2")])
        #expect(first == Element("a", attributes: [("x", "1"), ("y", "2")]))
        #expect(first != Element("a", attributes: [("y", "2"), ("x", "1")]))
        #expect(first != Element("a", attributes: [("x", "1"), ("y", "3")]))
        #expect(first != Element("a", attributes: [("x", "1")]))
        #expect(first != Element("a", namespace: "n", attributes: [("x", "1"), ("y", "2")]))
        #expect(first != Element("b", attributes: [("x", "1"), ("y", "2")]))
        var withText = first
        withText.append(text: "t")
        #expect(first != withText)
    }
}
