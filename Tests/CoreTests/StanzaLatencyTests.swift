import Testing
@testable import NudgeCore
import NudgeStore
import NudgeXMPP

/// The stanza-to-vendor latency starts where the engine first saw the
/// stanza behind a push, and travels with the outbox job.
@Suite struct StanzaLatency {
    private static let juliet = "juliet@example.net/phone"

    /// Juliet's phone, registered at this engine's app server, enabled there and pending.
    private func pendingAtOwnAppServer() throws -> CoreHarness {
        let h = CoreHarness { c in c.appServer.backends = [TestBackends.apns] }
        try h.enable(at: try h.register())
        try h.run(.sessionPending(try JID(Self.juliet)))
        return h
    }

    private func message(_ n: Int) -> String {
        "<message from='romeo@example.org/orchard' to='juliet@example.net' id='m\(n)' type='chat'><body>Message \(n)</body></message>"
    }

    private func jobs(_ h: CoreHarness) throws -> [(UInt64, OutboxRecord)] {
        var all: [(UInt64, OutboxRecord)] = []
        try h.store.read { r in try r.forEachOutbox { s, j in all.append((s, j)); return true } }
        return all
    }

    private func dispatched(_ actions: [CoreAction]) -> [DeliveryJob] {
        actions.compactMap { if case .dispatch(let j) = $0 { return j } else { return nil } }
    }

    @Test func aHeldStanzaIsMeasuredFromWhenItWasHeld() throws {
        let h = try pendingAtOwnAppServer()
        let t0 = h.now
        try h.held(Self.juliet, message(1))
        let (seq, job) = try #require(try jobs(h).first)
        #expect(job.stanzaAt == t0)
        // The delivery runs later (a busy writer, a retry): the job still carries t0.
        h.advance(seconds: 3)
        let sent = try #require(dispatched(try h.run(.timer(.deliver(seq: seq)))).first)
        #expect(sent.stanzaAt == t0)
        #expect(sent.createdAt == t0)
    }

    @Test func aFollowUpIsMeasuredFromItsFirstStanzaNotYetPushed() throws {
        let h = try pendingAtOwnAppServer()
        try h.held(Self.juliet, message(1))
        let (first, _) = try #require(try jobs(h).first)
        try h.run(.deliveryFinished(seq: first, revision: 0, .delivered))
        h.advance(seconds: 2)
        let t1 = h.now
        let deferred = try h.held(Self.juliet, message(2))
        let due = try #require(deferred.schedules.first?.1)
        h.advance(seconds: 3)
        try h.held(Self.juliet, message(3))
        h.now = due
        let key = try #require(try h.store.read { try $0.enables(ofUser: "juliet@example.net") }.first?.key)
        try h.run(.timer(.followUp(key)))
        let followUp = try #require(try jobs(h).first)
        #expect(followUp.0 != first)
        #expect(followUp.1.stanzaAt == t1)
        #expect(followUp.1.createdAt == due)
        // Pushed: the next stanza starts afresh.
        #expect(try h.store.read { try $0.summary(key) }?.unpushedSince == nil)
    }

    @Test func aSummaryReplacingAWaitingJobKeepsItsFirstStanza() throws {
        let h = try pendingAtOwnAppServer()
        let t0 = h.now
        try h.held(Self.juliet, message(1))
        h.advance(seconds: 30)   // past the coalescing window: pushes at once, into the waiting job
        try h.held(Self.juliet, message(2))
        let all = try jobs(h)
        #expect(all.count == 1)
        #expect(all.first?.1.revision == 1)
        #expect(all.first?.1.stanzaAt == t0)
    }

    @Test func aRemotePublishIsMeasuredFromItsAcceptance() throws {
        let h = CoreHarness { c in c.appServer.backends = [TestBackends.apns] }
        let reg = try h.register()
        h.advance(seconds: 1)
        let accepted = h.now
        let publish = "<iq type='set' id='p' from='example.org' to='push.example.net'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='\(reg.node)'><item><notification xmlns='urn:xmpp:push:0'/></item></publish><publish-options><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field><field var='secret'><value>\(reg.secret)</value></field></x></publish-options></pubsub></iq>"
        #expect(try h.iq(publish)[attribute: "type"] == "result")
        #expect(try jobs(h).first?.1.stanzaAt == accepted)
    }
}
