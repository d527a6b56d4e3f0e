import Testing
import NudgeCore
import NudgeCrypto
import NudgeStore
import NudgeXMPP

/// Tigase's registration as TigaseSwift builds it
/// (`TigasePushNotificationsModule.registerDevice` / `unregisterDevice`,
/// used by Siskin with provider `tigase:messenger:apns:1`; Snikket iOS names its own, TigaseProviders),
/// and the enable without a secret that follows it.
@Suite struct TigaseDialect {
    static let token = "8f2e6f0c2a3b4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6"
    static let voipToken = "0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de"

    func harness() -> CoreHarness {
        CoreHarness { $0.appServer.backends = [TestBackends.apns, TestBackends.fcm] }
    }

    func node(_ reply: Element) throws -> String {
        let x = try #require(reply.child("command")?.child("x"))
        return try #require(try DataForm(x).value("node"))
    }

    func publishXML(_ node: String) -> String {
        "<iq type='set' id='p' from='example.net' to='push.example.net'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='\(node)'><item><notification xmlns='urn:xmpp:push:0'/></item></publish></pubsub></iq>"
    }

    func registerDevice(_ h: CoreHarness, _ fields: [(String, String)], to: String = "push.example.net") throws -> Element {
        try h.iq("<iq type='set' id='t1' from='juliet@example.net/siskin' to='\(to)'><command xmlns='http://jabber.org/protocol/commands' node='register-device' action='execute'><x xmlns='jabber:x:data' type='submit'>"
                 + CoreHarness.fieldsXML(fields) + "</x></command></iq>")
    }

    @Test func registerDeviceAnswersANodeThatNeedsNoSecret() throws {
        let h = harness()
        let reply = try registerDevice(h, [("provider", "tigase:messenger:apns:1"), ("device-token", Self.token),
                                          ("device-second-token", Self.voipToken)])
        #expect(reply[attribute: "type"] == "result")
        let form = try DataForm(#require(reply.child("command")?.child("x")))
        let node = try self.node(reply)
        #expect(form.value("secret") == nil)
        #expect(node.count >= 24)
        let stored = try #require(try h.store.read { try $0.registration(node: node) })
        #expect(stored.vendor == "apns" && stored.token == Self.token && stored.secretDigest.isEmpty)
        #expect(stored.extra("voip-token") == Self.voipToken)
        #expect(!stored.deviceID.contains(Self.token))
        // Siskin enables with the node alone.
        let enable = try h.enable("juliet@example.net/siskin", service: "push.example.net", node: node)
        #expect(enable[attribute: "type"] == "result")
        // Registering the same token again keeps the node.
        let again = try registerDevice(h, [("provider", "tigase:messenger:apns:1"), ("device-token", Self.token)])
        #expect(try self.node(again) == node)
    }

    /// Siskin enables encryption only when the registration's reply names
    /// `tigase:push:encrypt:0` in `features` (Siskin
    /// `SiskinPushNotificationsModule.enable`, TigaseSwift
    /// `RegistrationResult`); then its push reaches the delivery job
    /// encrypted and marked high, as Tigase's `PriorityExtension` marks it.
    @Test func siskinsEncryptedEnableAtThisAppServerReachesTheJobEncrypted() throws {
        let h = harness()
        let reply = try registerDevice(h, [("provider", "tigase:messenger:apns:1"), ("device-token", Self.token),
                                          ("device-second-token", Self.voipToken)])
        let form = try DataForm(#require(reply.child("command")?.child("x")))
        #expect(form.fields.first { $0.variable == "features" }?.values == ["tigase:push:encrypt:0"])
        #expect(form.fields.first { $0.variable == "features" }?.type == "text-multi")
        let key = Base64.encode(Array(repeating: 7, count: 16))
        let enable = try h.enable("juliet@example.net/siskin", service: "push.example.net", node: node(reply),
                                  extra: "<priority xmlns='tigase:push:priority:0'/><encrypt xmlns='tigase:push:encrypt:0' alg='aes-128-gcm'>\(key)</encrypt><jingle xmlns='tigase:push:jingle:0'/>")
        #expect(enable[attribute: "type"] == "result")
        try h.run(.sessionPending(try JID("juliet@example.net/siskin")))
        func job(_ xml: String) throws -> DeliveryJob {
            h.advance(seconds: 3600)
            let deliver = try #require(try h.held("juliet@example.net/siskin", xml).schedules.first { if case .deliver = $0.0 { true } else { false } })
            let job = try #require(try h.run(.timer(deliver.0)).compactMap { if case .dispatch(let j) = $0 { return j } else { return nil } }.first)
            // Delivered: the next push is a job of its own.
            try h.run(.deliveryFinished(seq: job.seq, revision: job.revision, .delivered))
            return job
        }
        let message = try job("<message from='romeo@example.org/a' type='chat' id='1'><body>hi</body></message>")
        // The job keeps what the notification said: the encrypted payload, no summary form.
        #expect(message.summary.encrypted != nil)
        #expect(message.summary == PushSummary(encrypted: message.summary.encrypted))
        #expect(message.priority == .high)
        let call = try job("<message from='romeo@example.org/a' type='chat' id='2'><propose xmlns='urn:xmpp:jingle-message:0' id='s1'/></message>")
        #expect(call.summary.encrypted?.voip == true)
        #expect(call.priority == .high)
    }

    @Test func unregisterDeviceRemovesTheRegistrationAndItsEnablement() throws {
        let h = harness()
        let reply = try registerDevice(h, [("provider", "tigase:messenger:apns:1"), ("device-token", Self.token)])
        let node = try self.node(reply)
        try h.enable("juliet@example.net/siskin", service: "push.example.net", node: node)
        func unregisterXML(_ token: String) -> String {
            "<iq type='set' id='t2' from='juliet@example.net/siskin' to='push.example.net'><command xmlns='http://jabber.org/protocol/commands' node='unregister-device' action='execute'><x xmlns='jabber:x:data' type='submit'>"
                + CoreHarness.fieldsXML([("provider", "tigase:messenger:apns:1"), ("device-token", token)]) + "</x></command></iq>"
        }
        let xml = unregisterXML(Self.token)
        #expect(try h.iq(xml)[attribute: "type"] == "result")
        #expect(try h.store.read { try $0.registrationCount() } == 0)
        #expect(try h.store.read { try $0.enables(ofUser: "juliet@example.net") }.isEmpty)
        #expect(try h.iq(xml).errorCondition == "item-not-found")
        #expect(try h.iq(unregisterXML("not a token!")).errorText?.contains("field device-token: not a hex or base64") == true)
    }

    @Test func aPublishToSuchANodeIsAcceptedWithoutASecretButOtherNodesStillNeedOne() throws {
        let h = harness()
        let reply = try registerDevice(h, [("provider", "tigase:messenger:apns:1"), ("device-token", Self.token)])
        #expect(try h.iq(publishXML(node(reply)))[attribute: "type"] == "result")
        let other = try h.register()
        #expect(try h.iq(publishXML(other.node)).errorCondition == "not-authorized")
    }

    @Test func thePubsubHostNamesItsProviders() throws {
        let h = harness()
        let info = try h.iq("<iq type='get' id='d' from='juliet@example.net/siskin' to='push.example.net'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
        let features = info.child("query")?.children("feature").compactMap { $0[attribute: "var"] } ?? []
        #expect(features.contains("tigase:messenger:apns:1") && features.contains("fcm-xmpp-api"))
    }

    @Test(arguments: [
        ([("device-token", token)], "provider"),
        ([("provider", "tigase:messenger:carrier-pigeon:1"), ("device-token", token)], "provider"),
        ([("provider", "tigase:messenger:apns:1")], "device-token"),
        ([("provider", "tigase:messenger:apns:1"), ("device-token", "not a token!")], "device-token"),
        ([("provider", "tigase:messenger:apns:1"), ("device-token", token), ("device-second-token", "zz zz")], "device-second-token"),
    ])
    func malformedRegistrationsAreRefusedNamingTheField(fields: [(String, String)], named: String) throws {
        let h = harness()
        let reply = try registerDevice(h, fields)
        #expect(reply.errorCondition == "bad-request")
        #expect(reply.errorText?.contains(named) == true)
        #expect(try h.store.read { try $0.registrationCount() } == 0)
    }
}
