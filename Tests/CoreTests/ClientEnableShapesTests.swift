import Testing
import NudgeCore
import NudgeStore
import NudgeXMPP

/// Enables exactly as clients build them, each kept and carried to the app
/// server as the client meant it.
@Suite struct ClientEnableShapes {
    /// ChatSecure (`XMPPIQ+XEP_0357.m` enableNotificationsElementWithJID,
    /// called from `OTRXMPPManager.m` with its `token` and `endpoint`):
    /// the form's FORM_TYPE has no type='hidden', and the node is a UUID
    /// at ChatSecure's own push server.
    @Test func chatSecuresOptionsReachItsAppServer() throws {
        let h = CoreHarness()
        let enable = """
            <iq type='set' id='B4F1' from='juliet@example.net/chatsecure'><enable xmlns='urn:xmpp:push:0' jid='pubsub.chatsecure.example' \
            node='6F9619FF-8B86-D011-B42D-00C04FC964FF'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'>\
            <value>http://jabber.org/protocol/pubsub#publish-options</value></field><field var='token'><value>c0ffee-token</value></field>\
            <field var='endpoint'><value>https://push.chatsecure.example/api/v1/messages/</value></field></x></enable></iq>
            """
        #expect(try h.iq(enable)[attribute: "type"] == "result")
        try h.run(.sessionPending(try JID("juliet@example.net/chatsecure")))
        let actions = try h.held("juliet@example.net/chatsecure",
                                 "<message from='romeo@example.org/a' to='juliet@example.net' type='chat'><body>hi</body></message>")
        let publish = try #require(actions.publishes.first)
        #expect(publish[attribute: "to"] == "pubsub.chatsecure.example")
        let pubsub = try #require(publish.child("pubsub"))
        #expect(pubsub.child("publish")?[attribute: "node"] == "6F9619FF-8B86-D011-B42D-00C04FC964FF")
        let options = try DataForm(#require(pubsub.child("publish-options")?.child("x")))
        #expect(options.value("FORM_TYPE") == "http://jabber.org/protocol/pubsub#publish-options")
        #expect(options.value("token") == "c0ffee-token")
        #expect(options.value("endpoint") == "https://push.chatsecure.example/api/v1/messages/")
    }
}
