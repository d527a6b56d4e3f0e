import Testing
import Glibc
@testable import NudgeRuntime
import NudgeCore
import NudgeStore
import NudgeXMPP

@Suite struct TimerHeapTests {
    @Test func popsDueTimersInOrderAndKeepsTheRest() {
        var heap = TimerHeap()
        let keys: [(TimerKey, Millis)] = [(.wake(fullJID: "c"), 30), (.wake(fullJID: "a"), 10), (.restartWakes, 20),
                                          (.wake(fullJID: "b"), 10), (.wake(fullJID: "d"), 40)]
        for (k, at) in keys { heap.insert(k, at: at) }
        #expect(heap.nextDue == 10)
        #expect(heap.popDue(25) == [.wake(fullJID: "a"), .wake(fullJID: "b"), .restartWakes])
        #expect(heap.nextDue == 30)
        #expect(heap.popDue(100, limit: 1) == [.wake(fullJID: "c")])
        #expect(heap.count == 1)
    }
}

@Suite struct EventQueueTests {
    private func log(_ text: String) -> Event { Event(kind: .log, text: text, target: nil, level: .info) }

    @Test func aFullQueueDropsNewEventsAndSaysSoOnceTheHostCatchesUp() throws {
        let queue = try EventQueue(limit: 4)
        for i in 0..<4 { #expect(queue.push(log("e\(i)"))) }
        #expect(!queue.push(log("lost 1")) && !queue.push(log("lost 2")))
        #expect(queue.count == 4)
        // Draining to half the limit reports the loss, once, after what was kept.
        var texts: [String] = []
        while let e = queue.pop() { texts.append(e.text) }
        #expect(texts.prefix(4) == ["e0", "e1", "e2", "e3"])
        #expect(texts.count == 5)
        #expect(texts.last?.contains("2 engine event(s) were dropped") == true)
        #expect(texts.last?.contains("limits.max_events = 4") == true)
        // And the fd follows the queue: readable again only with a new event.
        var pfd = pollfd(fd: queue.fd, events: Int16(POLLIN), revents: 0)
        #expect(poll(&pfd, 1, 0) == 0)
        #expect(queue.push(log("after")))
        #expect(poll(&pfd, 1, 0) == 1)
    }
}

/// The runtime around the core: a real writer thread, on memory.
@Suite struct EngineRuntimeTests {
    private func engine(_ configure: (inout Config) -> Void = { _ in }) throws -> Engine {
        var c = Config(storePath: "/unused", domains: ["example.net"])
        c.logLevel = .debug
        configure(&c)
        return try Engine(config: c, store: MemoryStore(), clock: SystemClock())
    }

    private func send(_ e: Engine, _ xml: String) -> ResultCode {
        var bytes = Array(xml.utf8)
        return bytes.withUnsafeMutableBytes { e.handleStanza(UnsafeRawBufferPointer($0)) }
    }

    private func held(_ e: Engine, _ user: String, _ xml: String, _ flags: UInt32) -> ResultCode {
        var bytes = Array(xml.utf8)
        return bytes.withUnsafeMutableBytes { e.stanzaHeld(user: user, UnsafeRawBufferPointer($0), flags: flags) }
    }

    /// Waits (for real: the writer is a thread) until `match` finds an event.
    private func waitFor(_ e: Engine, seconds: Double = 5, _ match: (Event) -> Bool) -> [Event] {
        var seen: [Event] = []
        let deadline = SystemClock().now() + Millis(seconds * 1000)
        while SystemClock().now() < deadline {
            while let ev = e.nextEvent() {
                seen.append(ev)
                if match(ev) { return seen }
            }
            usleep(2000)
        }
        Issue.record("no matching event; saw: \(seen.map(\.text))")
        return seen
    }

    @Test func unansweredPublishesTimeOutAndAreCounted() throws {
        let e = try engine { $0.server.publishTimeoutS = 1 }
        defer { e.close() }
        #expect(send(e, "<iq type='set' id='en' from='juliet@example.net/phone'><enable xmlns='urn:xmpp:push:0' jid='push.remote.example' node='n'/></iq>") == .ok)
        _ = waitFor(e) { $0.kind == .stanza && $0.text.contains("type='result'") }
        #expect(held(e, "juliet@example.net", "<message from='romeo@example.org/o' id='1'><body>hi</body></message>", Engine.heldOffline) == .ok)
        let publish = waitFor(e) { $0.kind == .stanza && $0.text.contains("type='set'") }.last!
        let id = try #require(try XMLParser.parse(publish.text)[attribute: "id"])
        _ = waitFor(e) { $0.kind == .log && $0.text.contains("did not answer a publish") }
        #expect(try e.statsJSON().get().contains("\"publish_timeout\":1"))
        // A late answer is no longer the engine's.
        #expect(send(e, "<iq type='result' id='\(id)' from='push.remote.example' to='juliet@example.net'/>") == .notFor)
    }

    /// The host is asked for the sender's roster state only where an
    /// enablement ignores strangers; a stranger's stanza then pushes
    /// nothing, the user's own (another device's) still does, and a stanza
    /// cannot come from a contact and a stranger at once.
    @Test func theSendersRosterStateIsAskedForAndApplied() throws {
        let e = try engine { $0.server.coalesceWindowS = 0; $0.server.includeSenders = true }
        defer { e.close() }
        #expect(try e.wantsSenderRoster(user: "juliet@example.net").get() == false)
        _ = send(e, "<iq type='set' id='en' from='juliet@example.net/phone'><enable xmlns='urn:xmpp:push:0' jid='push.remote.example' node='n'>"
                 + "<ignore-unknown xmlns='tigase:push:filter:ignore-unknown:0'/></enable></iq>")
        _ = waitFor(e) { $0.kind == .stanza && $0.text.contains("type='result'") }
        #expect(try e.wantsSenderRoster(user: "juliet@example.net").get() == true)
        #expect(try e.wantsSenderRoster(user: "juliet@example.net/desk").get() == false)
        #expect(try e.wantsSenderRoster(user: "juliet@example.net/phone").get() == true)
        if case .failure(let code) = e.wantsSenderRoster(user: "example.net") { #expect(code == .jid) } else { Issue.record("a domain is no user") }
        let both = Engine.heldOffline | Engine.heldFromContact | Engine.heldFromStranger
        #expect(held(e, "juliet@example.net", "<message from='a@example.org/o' id='0'><body>x</body></message>", both) == .invalid)
        #expect(held(e, "juliet@example.net", "<message from='spam@example.org/o' id='1'><body>buy</body></message>",
                     Engine.heldOffline | Engine.heldFromStranger) == .ok)
        // Her own call taken elsewhere: the host looked up her own JID, not in her roster.
        #expect(held(e, "juliet@example.net", "<message from='juliet@example.net/desk' id='2'><body>note to self</body></message>",
                     Engine.heldOffline | Engine.heldFromStranger) == .ok)
        // Each push goes out at once, in order: had the stranger's pushed, it would come first.
        let first = try #require(waitFor(e) { $0.kind == .stanza && $0.text.contains("type='set'") }.last)
        #expect(first.text.contains("<value>juliet@example.net</value>") && !first.text.contains("spam@"))
    }

    private func sent(_ e: Engine, _ full: String, _ xml: String) -> ResultCode {
        var bytes = Array(xml.utf8)
        return bytes.withUnsafeMutableBytes { e.sessionActivity(full, UnsafeRawBufferPointer($0)) }
    }

    /// Push 2.0's grace: the host is asked for the messages of the user's
    /// sessions only where a registration has a grace period; a receipt
    /// is no activity, a message is; within the grace only a call pushes,
    /// and a closed session's activity is forgotten.
    @Test func graceCountsWhatTheUsersOtherSessionsSend() throws {
        let e = try engine { $0.server.coalesceWindowS = 0 }
        defer { e.close() }
        let desk = "juliet@example.net/desk"
        #expect(try e.wantsSessionActivity(user: desk).get() == false)
        // Not read while no grace asks: not even a broken stanza.
        #expect(sent(e, desk, "<message") == .ok)
        _ = send(e, "<iq type='set' id='en' from='juliet@example.net/phone'><enable xmlns='urn:xmpp:push2:0'><service>push2.example</service>"
                 + "<client>c</client><match profile='urn:xmpp:push2:match:important'><grace>600</grace>"
                 + "<send xmlns='urn:xmpp:push2:send:notify-only:0'/></match></enable></iq>")
        _ = waitFor(e) { $0.kind == .stanza && $0.text.contains("type='result'") }
        #expect(try e.wantsSessionActivity(user: desk).get() == true)
        #expect(try e.wantsSessionActivity(user: "romeo@example.net").get() == false)
        if case .failure(let code) = e.wantsSessionActivity(user: "example.net") { #expect(code == .jid) } else { Issue.record("a domain is no user") }
        #expect(sent(e, "juliet@example.net", "<message/>") == .jid)
        #expect(sent(e, desk, "<message") == .xml)
        func notification() -> String? {
            waitFor(e) { $0.kind == .stanza && $0.text.contains("urn:xmpp:push2:0") }.last?.text
        }
        #expect(sent(e, desk, "<message to='romeo@example.org' id='r'><received xmlns='urn:xmpp:receipts' id='x'/></message>") == .ok)
        _ = held(e, "juliet@example.net", "<message from='romeo@example.org/o' id='1'><body>one</body></message>", Engine.heldOffline)
        #expect(notification()?.contains("<priority>normal</priority>") == true)
        #expect(sent(e, desk, "<message to='romeo@example.org' id='s'><body>typed at the desk</body></message>") == .ok)
        _ = held(e, "juliet@example.net", "<message from='romeo@example.org/o' id='2'><body>two</body></message>", Engine.heldOffline)
        _ = held(e, "juliet@example.net", "<message from='romeo@example.org/o' id='3'><propose xmlns='urn:xmpp:jingle-message:0' id='call'/></message>",
                 Engine.heldOffline)
        // In order: had the message within the grace pushed, it would come first.
        #expect(notification()?.contains("<priority>high</priority>") == true)
        #expect(e.sessionClosed(desk) == .ok)
        _ = held(e, "juliet@example.net", "<message from='romeo@example.org/o' id='4'><body>four</body></message>", Engine.heldOffline)
        #expect(notification()?.contains("<priority>normal</priority>") == true)
    }

    /// Juliet enables push at a remote app server and a message is held for
    /// her: returns the id of the publish the engine sends it.
    private func publishToRemoteAppServer(_ e: Engine) throws -> String {
        _ = send(e, "<iq type='set' id='en' from='juliet@example.net/phone'><enable xmlns='urn:xmpp:push:0' jid='push.remote.example' node='n'/></iq>")
        _ = waitFor(e) { $0.kind == .stanza && $0.text.contains("type='result'") }
        _ = held(e, "juliet@example.net", "<message from='romeo@example.org/o' id='1'><body>hi</body></message>", Engine.heldOffline)
        let publish = waitFor(e) { $0.kind == .stanza && $0.text.contains("type='set'") }.last!
        return try #require(try XMLParser.parse(publish.text)[attribute: "id"])
    }

    @Test func anAppServersOwnErrorTypeDoesNotBecomeAStatsLabel() throws {
        let e = try engine()
        defer { e.close() }
        let id = try publishToRemoteAppServer(e)
        let odd = "<iq type='error' id='\(id)' from='push.remote.example' to='juliet@example.net'><error type='x-label-bomb'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"
        #expect(send(e, odd) == .ok)
        _ = waitFor(e) { $0.kind == .disabled }
        let stats = try e.statsJSON().get()
        #expect(stats.contains("\"publish_other\":1"))
        #expect(!stats.contains("x-label-bomb"))
    }

    @Test func aPublishTheAppServerAsksToRetryIsCountedAsARetry() throws {
        let e = try engine()
        defer { e.close() }
        let id = try publishToRemoteAppServer(e)
        let wait = "<iq type='error' id='\(id)' from='push.remote.example' to='juliet@example.net'><error type='wait'><resource-constraint xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"
        #expect(send(e, wait) == .ok)
        _ = waitFor(e) { $0.kind == .log && $0.text.contains("asked to wait") }
        let stats = try e.statsJSON().get()
        #expect(stats.contains("\"retries\":{\"publish\":1}"))
        #expect(stats.contains("\"publish_wait\":1"))
    }

    @Test func answersFromAnotherJIDAreNotTaken() throws {
        let e = try engine()
        defer { e.close() }
        let id = try publishToRemoteAppServer(e)
        let forged = "<iq type='error' id='\(id)' from='mallory@evil.example' to='juliet@example.net'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"
        #expect(send(e, forged) == .notFor)
        #expect(send(e, "<iq type='result' id='\(id)' from='push.remote.example' to='juliet@example.net'/>") == .ok)
    }

    @Test func heldStanzasForUsersWithoutPushCostNothing() throws {
        let e = try engine()
        defer { e.close() }
        #expect(held(e, "romeo@example.net/pc", "not even xml", Engine.heldQueued) == .ok)
        #expect(try e.statsJSON().get().contains("\"not_enabled\":1"))
    }
}

