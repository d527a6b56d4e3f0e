import Testing
@testable import NudgeXMPP

@Suite struct StanzaTests {
    @Test func errorReplySwapsAddressesAndCarriesOnlyTheError() throws {
        let request = try XMLParser.parse("""
            <iq xmlns='jabber:client' type='set' id='x1' from='juliet@example.com/balcony' to='example.com'>\
            <enable xmlns='urn:xmpp:push:0' jid='push.example.net'/></iq>
            """)
        let reply = StanzaError.reply(to: request, type: "cancel", condition: "item-not-found",
                                      text: "no such node <here> & there")
        #expect(reply.serialized() == """
            <iq type='error' to='juliet@example.com/balcony' from='example.com' id='x1'><error type='cancel'>\
            <item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>\
            <text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>no such node &lt;here&gt; &amp; there</text>\
            </error></iq>
            """)
        let error = try #require(reply.child("error"))
        #expect(error.child("item-not-found", namespace: NS.stanzas) != nil)
    }

    @Test func errorReplyWithoutTextOrAddresses() throws {
        let request = try XMLParser.parse("<message id='m'><body>x</body></message>")
        let reply = StanzaError.reply(to: request, type: "modify", condition: "bad-request")
        #expect(reply.serialized() == """
            <message type='error' id='m'><error type='modify'>\
            <bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>
            """)
    }

    @Test func iqResultSwapsAddressesAndCarriesThePayload() throws {
        let request = try XMLParser.parse("<iq type='get' id='d' from='a@b/c' to='a@b'><query xmlns='q'/></iq>")
        #expect(iqResult(to: request).serialized() == "<iq type='result' to='a@b/c' from='a@b' id='d'/>")
        let payload = Element("query", namespace: NS.discoInfo, children: [
            .element(Element("feature", attributes: [("var", NS.push)])),
        ])
        let result = iqResult(to: request, payload: payload)
        #expect(result.serialized() == """
            <iq type='result' to='a@b/c' from='a@b' id='d'><query xmlns='http://jabber.org/protocol/disco#info'>\
            <feature var='urn:xmpp:push:0'/></query></iq>
            """)
        #expect(result.child("query")?.child("feature")?.namespace == NS.discoInfo)
    }
}
