import Testing
import NudgeCore
import NudgeStore
import NudgeXMPP

/// An enable naming this engine's own pubsub host is checked as its
/// publishes will be: one that cannot work gets the XMPP error at enable
/// time, instead of a result and a disable at the first push.
@Suite struct EnableAtOwnAppServer {
    private static let user = "juliet@example.net"

    private func harness(_ configure: (inout Config) -> Void = { _ in }) -> CoreHarness {
        CoreHarness { c in
            c.appServer.backends = [TestBackends.apns, TestBackends.fcm]
            configure(&c)
        }
    }

    private func enablements(_ h: CoreHarness) throws -> [(key: EnableKey, record: EnableRecord)] {
        try h.store.read { try $0.enables(ofUser: Self.user) }
    }

    /// Sends the enable; expects it refused with `condition`, logged once,
    /// nothing stored, the secret never in the answer. Returns the text.
    private func refused(_ h: CoreHarness, node: String, options: [(String, String)], type: String, condition: String,
                         file: String = #filePath, line: Int = #line) throws -> String {
        let before = try enablements(h)
        let actions = try h.run(.iq(try XMLParser.parse(
            "<iq type='set' id='en' from='\(Self.user)/phone'><enable xmlns='urn:xmpp:push:0' jid='push.example.net' node='\(node)'>"
                + (options.isEmpty ? "" : CoreHarness.publishOptions(options)) + "</enable></iq>")))
        let reply = try #require(actions.sent.first)
        #expect(reply[attribute: "type"] == "error")
        #expect(reply.child("error")?[attribute: "type"] == type)
        #expect(reply.errorCondition == condition)
        let text = reply.child("error")?.child("text")?.text ?? ""
        #expect(!text.isEmpty)
        for (name, value) in options where name == "secret" {
            #expect(!reply.serialized().contains(value) && !actions.logs.joined().contains(value))
        }
        #expect(actions.logs.count == 1)
        #expect(actions.disabled.isEmpty)
        let after = try enablements(h)
        #expect(after.map(\.key) == before.map(\.key))
        #expect(after.map(\.record) == before.map(\.record))
        return text
    }

    @Test func aRegisteredNodeWithItsSecretIsEnabled() throws {
        let h = harness()
        let reg = try h.register()
        #expect(try h.enable(at: reg)[attribute: "type"] == "result")
        #expect(try enablements(h).map(\.key.node) == [reg.node])
    }

    @Test func theSecretOfTheRegistrationBeforeIsStillAccepted() throws {
        let h = harness()
        let first = try h.register()
        _ = try h.register(fields: [("token", "beef01")])
        #expect(try h.enable(at: first)[attribute: "type"] == "result")
    }

    @Test func anUnknownNodeIsItemNotFound() throws {
        let h = harness()
        _ = try h.register()
        let text = try refused(h, node: "no-such-node", options: [("secret", "s3cr3t-value")], type: "cancel", condition: "item-not-found")
        #expect(text.contains("push.example.net") && text.contains("no such node"))
    }

    @Test(arguments: [[("secret", "not-the-secret")], [("other", "x")], []] as [[(String, String)]])
    func aWrongOrMissingSecretIsNotAuthorized(options: [(String, String)]) throws {
        let h = harness()
        let reg = try h.register()
        let text = try refused(h, node: reg.node, options: options, type: "auth", condition: "not-authorized")
        #expect(text.contains("wrong or missing secret"))
    }

    @Test func aNodeWhoseAppIsNoLongerServedIsItemNotFound() throws {
        let first = harness()
        let reg = try first.register(command: "register-push-fcm", fields: [("token", "fcm-token-1")])
        // The operator removed the FCM backend and restarted.
        let h = CoreHarness(store: first.store) { $0.appServer.backends = [TestBackends.apns] }
        let text = try refused(h, node: reg.node, options: [("secret", reg.secret)], type: "cancel", condition: "item-not-found")
        #expect(text.contains("no longer served"))
    }

    @Test func aFailedReEnableLeavesThePreviousEnablementAsItWas() throws {
        let h = harness { $0.server.maxEnablementsPerUser = 1 }
        let reg = try h.register()
        let options = "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>urn:xmpp:push:options</value></field><field var='include-senders'><value>1</value></field></x>"
        try h.enable(service: "push.example.net", node: reg.node,
                     extra: CoreHarness.publishOptions([("secret", reg.secret)]) + options)
        let optionsBefore = try h.store.read { try $0.options(ofUser: Self.user) }
        h.advance(seconds: 5)
        // The same node with a wrong secret (and an options form), and
        // another node that does not exist (which would prune the first).
        _ = try refused(h, node: reg.node, options: [("secret", "guess-1234")], type: "auth", condition: "not-authorized")
        _ = try refused(h, node: "gone", options: [("secret", reg.secret)], type: "cancel", condition: "item-not-found")
        #expect(try h.store.read { try $0.options(ofUser: Self.user) } == optionsBefore)
        // It still pushes.
        let actions = try h.held("\(Self.user)/phone", "<message from='romeo@example.org/x' to='\(Self.user)' type='chat' id='m'><body>hi</body></message>")
        #expect(actions.disabled.isEmpty)
        #expect(actions.schedules.contains { if case .deliver = $0.0 { return true } else { return false } })
    }

    @Test func aRefusedEnableLeavesNothingToDisableAtTheFirstMessage() throws {
        let h = harness()
        let reg = try h.register()
        _ = try refused(h, node: reg.node, options: [("secret", "guess-1234")], type: "auth", condition: "not-authorized")
        let actions = try h.held("\(Self.user)/phone", "<message from='romeo@example.org/x' to='\(Self.user)' type='chat' id='m'><body>hi</body></message>")
        #expect(actions.isEmpty)
    }

    @Test func aRemoteAppServerCannotBeCheckedAndIsEnabled() throws {
        let h = harness()
        #expect(try h.enable(service: "push.remote.example", node: "no-such-node")[attribute: "type"] == "result")
        #expect(try enablements(h).count == 1)
    }
}

/// Monal/fpush's dialect: with token_nodes on, a node nobody registered is
/// a device token, and `pushModule` must name a served app.
@Suite struct EnableTokenNodes {
    private func harness(tokenNodes: Bool) -> CoreHarness {
        CoreHarness { c in
            c.appServer.backends = [TestBackends.apns, TestBackends.fcm]
            c.appServer.tokenNodes = tokenNodes
        }
    }

    private func enable(_ h: CoreHarness, node: String, module: String?) throws -> [CoreAction] {
        let options = module.map { CoreHarness.publishOptions([("pushModule", $0)]) } ?? ""
        return try h.run(.iq(try XMLParser.parse(
            "<iq type='set' id='en' from='juliet@example.net/phone'><enable xmlns='urn:xmpp:push:0' jid='push.example.net' node='\(node)'>\(options)</enable></iq>")))
    }

    @Test(arguments: ["chatninja", "default", nil] as [String?])
    func aDeviceTokenForAServedAppIsEnabled(module: String?) throws {
        let h = harness(tokenNodes: true)
        let actions = try enable(h, node: "ABCDEF0123456789", module: module)
        #expect(actions.sent.first?[attribute: "type"] == "result")
        #expect(try h.store.read { try $0.enables(ofUser: "juliet@example.net") }.count == 1)
        // The registration is made by the first publish, as for a remote server's.
        #expect(try h.store.read { try $0.registrationCount() } == 0)
        let held = try h.held("juliet@example.net/phone", "<message from='romeo@example.org/x' to='juliet@example.net' type='chat' id='m'><body>hi</body></message>")
        #expect(held.disabled.isEmpty)
        #expect(try h.store.read { try $0.registration(node: "ABCDEF0123456789") }?.token == "abcdef0123456789")
    }

    @Test func aPushModuleNobodyServesIsNotAcceptableAndNamed() throws {
        let h = harness(tokenNodes: true)
        let actions = try enable(h, node: "ABCDEF0123456789", module: "otherapp")
        let reply = try #require(actions.sent.first)
        #expect(reply.child("error")?[attribute: "type"] == "modify")
        #expect(reply.errorCondition == "not-acceptable")
        let text = reply.child("error")?.child("text")?.text ?? ""
        #expect(text.contains("'otherapp'") && text.contains("chatninja"))
        #expect(actions.logs.count == 1)
        #expect(try h.store.read { try $0.enables(ofUser: "juliet@example.net") }.isEmpty)
        #expect(try h.store.read { try $0.registrationCount() } == 0)
    }

    @Test func aNodeThatIsNoAPNsTokenIsABadRequest() throws {
        let h = harness(tokenNodes: true)
        let reply = try #require(try enable(h, node: "not-hex!", module: "chatninja").sent.first)
        #expect(reply.errorCondition == "bad-request")
        #expect(try h.store.read { try $0.enables(ofUser: "juliet@example.net") }.isEmpty)
    }

    @Test func withTokenNodesOffAnUnknownNodeIsRefused() throws {
        let h = harness(tokenNodes: false)
        let reply = try #require(try enable(h, node: "ABCDEF0123456789", module: "chatninja").sent.first)
        #expect(reply.errorCondition == "item-not-found")
        #expect(try h.store.read { try $0.enables(ofUser: "juliet@example.net") }.isEmpty)
    }

    @Test func aRegisteredNodeStillNeedsItsSecret() throws {
        let h = harness(tokenNodes: true)
        let reg = try h.register()
        let reply = try #require(try enable(h, node: reg.node, module: "chatninja").sent.first)
        #expect(reply.errorCondition == "not-authorized")
    }
}
