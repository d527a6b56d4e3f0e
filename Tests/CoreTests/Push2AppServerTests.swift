import Testing
import NudgeCore
import NudgeStore
import NudgeXMPP

/// This engine's app server as a Push 2.0 push service: a notification
/// message to its pubsub host whose `<client/>` is a node registered by
/// ad-hoc command (push2.markdown: "an opaque string … to route
/// notifications").
@Suite struct Push2AppServer {
    func message(from: String, client: String, id: String = "n1") throws -> Element {
        try XMLParser.parse("<message from='\(from)' to='push.example.net' id='\(id)'><notification xmlns='urn:xmpp:push2:0'>"
                            + "<client>\(client)</client><priority>high</priority><encrypted xmlns='urn:xmpp:sce:rfc8291:0'>"
                            + "<payload>AAEC</payload></encrypted></notification></message>")
    }

    func harness() -> CoreHarness {
        CoreHarness { $0.appServer.backends = [TestBackends.apns] }
    }

    @Test func theOwnersNotificationIsQueuedAsItCame() throws {
        let h = harness()
        let reg = try h.register()
        let actions = try h.run(.push2Notification(try message(from: "juliet@example.net", client: reg.node)))
        #expect(actions.sent.isEmpty)
        var jobs: [OutboxRecord] = []
        try h.store.read { r in try r.forEachOutbox { _, job in jobs.append(job); return true } }
        #expect(jobs.count == 1)
        let queued = try #require(jobs[0].summary?.push2)
        #expect(queued.payload == "AAEC")
        #expect(jobs[0].priority == Priority.high.rawValue)
        // The owner's server (mod_push2 sends from its domain) may push too.
        try h.run(.push2Notification(try message(from: "example.net", client: reg.node, id: "n2")))
    }

    @Test func anyoneElseAndUnknownClientsAreRefusedWithAMessageError() throws {
        let h = harness()
        let reg = try h.register()
        let stranger = try h.run(.push2Notification(try message(from: "mallory@evil.example", client: reg.node)))
        let refusal = try #require(stranger.sent.first)
        #expect(refusal.name == "message" && refusal[attribute: "type"] == "error" && refusal[attribute: "to"] == "mallory@evil.example")
        #expect(refusal.errorCondition == "forbidden")
        let unknown = try h.run(.push2Notification(try message(from: "juliet@example.net", client: "no-such-node")))
        #expect(unknown.sent.first?.errorCondition == "item-not-found")
        var count = 0
        try h.store.read { r in try r.forEachOutbox { _, _ in count += 1; return true } }
        #expect(count == 0)
    }

    @Test func withTokenNodesTheClientMayBeADeviceToken() throws {
        let h = CoreHarness {
            $0.appServer.backends = [TestBackends.apns]
            $0.appServer.tokenNodes = true
        }
        let token = String(repeating: "ab", count: 32)
        #expect(try h.run(.push2Notification(try message(from: "juliet@example.net", client: token))).sent.isEmpty)
        let reg = try #require(try h.store.read { try $0.registration(node: token) })
        #expect(reg.owner == "juliet@example.net" && reg.token == token)
        // Without the switch a token names nothing.
        let strict = harness()
        #expect(try strict.run(.push2Notification(try message(from: "juliet@example.net", client: token))).sent.first?.errorCondition
                == "item-not-found")
    }
}
