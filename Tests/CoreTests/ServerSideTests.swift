import Testing
import NudgeCore
import NudgeStore
import NudgeXMPP

private func message(_ n: Int) -> String {
    "<message from='romeo@example.org/orchard' to='juliet@example.net' type='chat' id='m\(n)'><body>Message \(n)</body></message>"
}

@Suite struct EnableAndDisable {
    @Test func enableStoresAndReplies() throws {
        let h = CoreHarness()
        let reply = try h.enable()
        #expect(reply[attribute: "type"] == "result")
        #expect(reply[attribute: "to"] == "juliet@example.net/phone")
        let stored = try h.store.read { try $0.enables(ofUser: "juliet@example.net") }
        #expect(stored.count == 1)
        #expect(stored.first?.key == EnableKey(user: "juliet@example.net", service: "push.remote.example", node: "node-1"))
        #expect(stored.first?.record.resource == "phone")
        #expect(stored.first?.record.enabledAt == h.now)
    }

    @Test func disableWithAndWithoutNode() throws {
        let h = CoreHarness()
        try h.enable(node: "a")
        try h.enable(node: "b")
        try h.enable(service: "push.other.example", node: "c")
        _ = try h.iq("<iq type='set' id='d' from='juliet@example.net/phone'><disable xmlns='urn:xmpp:push:0' jid='push.remote.example' node='a'/></iq>")
        #expect(try h.store.read { try $0.enables(ofUser: "juliet@example.net") }.map(\.key.node).sorted() == ["b", "c"])
        _ = try h.iq("<iq type='set' id='d' from='juliet@example.net/phone'><disable xmlns='urn:xmpp:push:0' jid='push.remote.example'/></iq>")
        #expect(try h.store.read { try $0.enables(ofUser: "juliet@example.net") }.map(\.key.node) == ["c"])
    }

    @Test(arguments: [
        ("<iq type='set' id='x' from='romeo@example.net/pc' to='juliet@example.net'><enable xmlns='urn:xmpp:push:0' jid='p.example' node='n'/></iq>", "forbidden"),
        ("<iq type='set' id='x' from='juliet@remote.example/pc'><enable xmlns='urn:xmpp:push:0' jid='p.example' node='n'/></iq>", "forbidden"),
        ("<iq type='set' id='x' from='juliet@example.net'><enable xmlns='urn:xmpp:push:0' jid='p.example' node='n'/></iq>", "forbidden"),
        ("<iq type='set' id='x' from='juliet@example.net/pc'><enable xmlns='urn:xmpp:push:0' node='n'/></iq>", "bad-request"),
        ("<iq type='set' id='x' from='juliet@example.net/pc'><enable xmlns='urn:xmpp:push:0' jid='p.example'/></iq>", "bad-request"),
        ("<iq type='set' id='x' from='juliet@example.net/pc'><enable xmlns='urn:xmpp:push:0' jid='a@@b' node='n'/></iq>", "jid-malformed"),
        ("<iq type='set' id='x' from='juliet@example.net/pc'><disable xmlns='urn:xmpp:push:0'/></iq>", "bad-request"),
        ("<iq type='get' id='x' from='juliet@example.net/pc'><enable xmlns='urn:xmpp:push:0' jid='p.example' node='n'/></iq>", "bad-request"),
        ("<iq type='get' id='x' from='juliet@example.net/pc'><query xmlns='jabber:iq:version'/></iq>", "service-unavailable"),
        ("<iq type='set' id='x' from='juliet@example.net/pc'><foo xmlns='urn:xmpp:push:0'/></iq>", "feature-not-implemented"),
        ("<iq type='set' id='x' from='juliet@example.net/pc'><enable xmlns='urn:xmpp:push:0' jid='p.example' node='n'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>urn:example:other</value></field></x></enable></iq>", "bad-request"),
    ])
    func refusals(xml: String, condition: String) throws {
        let h = CoreHarness()
        try h.enable()
        let before = try h.store.read { try $0.enables(ofUser: "juliet@example.net") }.map(\.key)
        let reply = try h.iq(xml)
        #expect(reply[attribute: "type"] == "error")
        #expect(reply.errorCondition == condition)
        #expect(reply.child("error")?.child("text")?.text.isEmpty == false)
        #expect(try h.store.read { try $0.enables(ofUser: "juliet@example.net") }.map(\.key) == before)
    }

    @Test func mostRegistrationsPrunesOldest() throws {
        let h = CoreHarness { $0.server.maxEnablementsPerUser = 2 }
        try h.enable(node: "first"); h.advance(seconds: 1)
        try h.enable(node: "second"); h.advance(seconds: 1)
        let actions = try h.run(.iq(try XMLParser.parse(
            "<iq type='set' id='x' from='juliet@example.net/tablet'><enable xmlns='urn:xmpp:push:0' jid='push.remote.example' node='third'/></iq>")))
        #expect(actions.disabled.map(\.0.node) == ["first"])
        #expect(try h.store.read { try $0.enables(ofUser: "juliet@example.net") }.map(\.key.node).sorted() == ["second", "third"])
    }

    @Test func inBandOptionsMayOnlyBeSwitchedOffWhileOthersAreEnabled() throws {
        let h = CoreHarness()
        func form(_ fields: [(String, String)]) -> String {
            "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>urn:xmpp:push:options</value></field>"
                + fields.map { "<field var='\($0.0)'><value>\($0.1)</value></field>" }.joined() + "</x>"
        }
        var reply = try h.enable(node: "a", extra: form([("include-senders", "1")]))
        var accepted = try DataForm(#require(reply.child("enable")?.child("x")))
        #expect(accepted.value("include-senders") == "1")
        #expect(accepted.value("include-message-bodies") == "0")
        // Another resource tries to switch bodies on (refused) and senders off (accepted).
        reply = try h.enable("juliet@example.net/tablet", node: "b", extra: form([("include-message-bodies", "1"), ("include-senders", "0")]))
        accepted = try DataForm(#require(reply.child("enable")?.child("x")))
        #expect(accepted.value("include-message-bodies") == "0")
        #expect(accepted.value("include-senders") == "0")
        // Everything disabled: a fresh set is allowed again.
        _ = try h.iq("<iq type='set' id='d' from='juliet@example.net/phone'><disable xmlns='urn:xmpp:push:0' jid='push.remote.example'/></iq>")
        reply = try h.enable(node: "c", extra: form([("include-message-bodies", "1")]))
        accepted = try DataForm(#require(reply.child("enable")?.child("x")))
        #expect(accepted.value("include-message-bodies") == "1")
    }

    @Test func discoShowsOptionsToTheUserOnly() throws {
        let h = CoreHarness { $0.server.includeSenders = true }
        let own = try h.iq("<iq type='get' id='q' from='juliet@example.net/phone' to='juliet@example.net'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
        let query = try #require(own.child("query", namespace: NS.discoInfo))
        #expect(query.children("feature").compactMap { $0[attribute: "var"] }.contains(NS.push))
        let form = try DataForm(#require(query.child("x", namespace: NS.dataForms)))
        #expect(form.formType == NS.pushOptions)
        #expect(form.value("include-senders") == "1")
        let other = try h.iq("<iq type='get' id='q' from='romeo@example.org/x' to='juliet@example.net'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
        #expect(other.child("query")?.child("x") == nil)
        #expect(other.child("query")?.children("feature").isEmpty == false)
    }
}

@Suite struct Coalescing {
    @Test func firstPushesAtOnceThenOneFollowUpPerWindow() throws {
        let h = CoreHarness { $0.server.includeSenders = true; $0.server.includeMessageBodies = true }
        try h.enable()
        try h.run(.sessionPending(try JID("juliet@example.net/phone")))
        var actions = try h.held("juliet@example.net/phone", message(1))
        #expect(actions.publishes.count == 1)
        let first = try #require(actions.publishes.first?.summary)
        #expect(first.value("message-count") == "1")
        #expect(first.value("last-message-sender") == "romeo@example.org")
        #expect(first.value("last-message-body") == "Message 1")

        var followUpAt: Millis?
        for n in 2...6 {
            h.advance(seconds: 1)
            actions = try h.held("juliet@example.net/phone", message(n))
            #expect(actions.publishes.isEmpty)
            if let s = actions.schedules.first { followUpAt = s.1 }
        }
        let due = try #require(followUpAt)
        #expect(due == h.now - 5000 + 20_000)
        h.now = due
        actions = try h.run(.timer(.followUp(EnableKey(user: "juliet@example.net", service: "push.remote.example", node: "node-1"))))
        #expect(actions.publishes.count == 1)
        #expect(actions.publishes.first?.summary?.value("message-count") == "6")
        #expect(actions.publishes.first?.summary?.value("last-message-body") == "Message 6")
        // The same timer again (stale) does nothing.
        #expect(try h.run(.timer(.followUp(EnableKey(user: "juliet@example.net", service: "push.remote.example", node: "node-1"))))
            .publishes.isEmpty)
    }

    @Test func sameCollapseIDWithinABurst() throws {
        let h = CoreHarness()
        try h.enable()
        let a = try h.held("juliet@example.net/phone", message(1)).publishes
        h.advance(seconds: 30)
        let b = try h.held("juliet@example.net/phone", message(2)).publishes
        let item = { (e: Element) in e.child("pubsub")?.child("publish")?.child("item")?[attribute: "id"] }
        #expect(item(try #require(a.first)) == item(try #require(b.first)))
        try h.run(.sessionResumed(try JID("juliet@example.net/phone")))
        h.advance(seconds: 1)
        let c = try h.held("juliet@example.net/phone", message(3)).publishes
        #expect(item(try #require(c.first)) != item(try #require(a.first)))
    }

    @Test func callsBypassTheWindow() throws {
        let h = CoreHarness()
        try h.enable()
        #expect(try h.held("juliet@example.net/phone", message(1)).publishes.count == 1)
        h.advance(seconds: 1)
        let call = try h.held("juliet@example.net/phone",
            "<message from='romeo@example.org/orchard' id='c1'><propose xmlns='urn:xmpp:jingle-message:0' id='call1'><description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'/></propose></message>")
        #expect(call.publishes.count == 1)
        #expect(call.publishes.first?.summary?.value("last-message-priority") == "high")
    }

    @Test func resumeResetsTheSummary() throws {
        let h = CoreHarness()
        try h.enable()
        try h.held("juliet@example.net/phone", message(1))
        h.advance(seconds: 1)
        try h.held("juliet@example.net/phone", message(2))
        try h.run(.sessionResumed(try JID("juliet@example.net/phone")))
        try h.run(.sessionPending(try JID("juliet@example.net/phone")))
        h.advance(seconds: 1)
        let actions = try h.held("juliet@example.net/phone", message(3))
        #expect(actions.publishes.first?.summary?.value("message-count") == "1")
    }

    @Test func onlyTheSessionsOwnEnablementsPush() throws {
        let h = CoreHarness()
        try h.enable("juliet@example.net/phone", node: "phone-node")
        try h.enable("juliet@example.net/tablet", node: "tablet-node")
        let queued = try h.held("juliet@example.net/phone", message(1)).publishes
        #expect(queued.compactMap { $0.child("pubsub")?.child("publish")?[attribute: "node"] } == ["phone-node"])
        let offline = try h.held("juliet@example.net", message(2)).publishes
        #expect(offline.count == 1)   // tablet-node: phone-node is inside its window
    }

    @Test func subscriptionRequestsAreCountedAtLowPriority() throws {
        let h = CoreHarness()
        try h.enable()
        let actions = try h.held("juliet@example.net", "<presence from='nurse@example.org' type='subscribe'/>")
        let form = try #require(actions.publishes.first?.summary)
        #expect(form.value("pending-subscription-count") == "1")
        #expect(form.value("message-count") == "0")
        #expect(form.value("last-message-priority") == "low")
    }

    @Test func contentFollowsTheUsersOptions() throws {
        let h = CoreHarness()   // defaults: no senders, no bodies
        try h.enable()
        let form = try #require(try h.held("juliet@example.net/phone", message(1)).publishes.first?.summary)
        #expect(form.formType == NS.pushSummary)
        #expect(form.value("last-message-sender") == nil)
        #expect(form.value("last-message-body") == nil)
        #expect(form.value("message-count") == "1")
    }
}

@Suite struct Publishing {
    @Test func theLocalAppServerGetsAnOutboxJobAndNoStanza() throws {
        let h = CoreHarness { $0.appServer.backends = [TestBackends.apns] }
        let reg = try h.register()
        try h.enable(at: reg)
        let actions = try h.held("juliet@example.net/phone", message(1))
        #expect(actions.publishes.isEmpty)
        #expect(actions.schedules.contains { if case .deliver = $0.0 { return true } else { return false } })
        var jobs: [OutboxRecord] = []
        try h.store.read { r in try r.forEachOutbox { _, job in jobs.append(job); return true } }
        #expect(jobs.count == 1)
        let job = try #require(jobs.first)
        #expect(job.node == reg.node)
        #expect(job.service == "push.example.net")
        #expect(job.notBefore == h.now)
        // The job keeps what the notification says, read once, not its XML.
        #expect(job.payload.isEmpty)
        #expect(job.summary?.messageCount == "1")
    }

    /// An enable with a wrong secret is refused at once (EnableAtOwnAppServer);
    /// a secret that stops working later still ends the enablement.
    @Test func aLocalPublishWhoseSecretNoLongerWorksDisablesTheEnablement() throws {
        let h = CoreHarness { $0.appServer.backends = [TestBackends.apns] }
        let reg = try h.register()
        #expect(try h.enable(at: reg)[attribute: "type"] == "result")
        // Two re-registrations: neither the current nor the previous secret is the enabled one.
        _ = try h.register(fields: [("token", "beef01")])
        _ = try h.register(fields: [("token", "beef02")])
        let actions = try h.held("juliet@example.net/phone", message(1))
        #expect(actions.disabled.count == 1)
        #expect(actions.disabled.first?.1.contains("not-authorized") == true)
        var jobs = 0
        try h.store.read { r in try r.forEachOutbox { _, _ in jobs += 1; return true } }
        #expect(jobs == 0)
    }

    @Test func aPublishIsAwaitedAndCountedBeforeItIsSent() throws {
        // The host may route the iq and hand back its answer while the
        // writer is still applying the actions after it.
        let h = CoreHarness()
        try h.enable()
        let actions = try h.held("juliet@example.net/phone", message(1))
        let awaited = try #require(actions.firstIndex { if case .awaitAnswer = $0 { return true } else { return false } })
        let counted = try #require(actions.firstIndex { if case .pushed = $0 { return true } else { return false } })
        let sent = try #require(actions.firstIndex { if case .send(let s) = $0 { return s.name == "iq" } else { return false } })
        #expect(awaited < sent && counted < sent)
    }

    @Test func waitErrorsAreRetriedWithBackoff() throws {
        let h = CoreHarness()
        try h.enable()
        let actions = try h.held("juliet@example.net/phone", message(1))
        let flight = try #require(actions.compactMap { if case .awaitAnswer(_, let f) = $0 { return f } else { return nil } }.first)
        let publish = try #require(actions.publishes.first)
        let error = try XMLParser.parse("<iq type='error' id='\(publish[attribute: "id"]!)' from='push.remote.example'><error type='wait'><resource-constraint xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>")
        let answer = try h.run(.publishAnswer(error, flight))
        let retry = try #require(answer.schedules.first)
        guard case .retry(_, let reason, let attempt) = retry.0 else { Issue.record("not a retry: \(retry.0)"); return }
        #expect(reason == .message && attempt == 1)
        #expect(retry.1 >= h.now + 4000 && retry.1 <= h.now + 6000)
        #expect(answer.disabled.isEmpty)
        h.now = retry.1
        #expect(try h.run(.timer(retry.0)).publishes.count == 1)
        // Out of retries: give up without disabling.
        var last = flight
        last.attempt = h.config.server.publishRetries
        #expect(try h.run(.publishAnswer(error, last)).schedules.isEmpty)
    }

    @Test(arguments: ["remote-server-not-found", "remote-server-timeout", "service-unavailable"])
    func errorsOnTheWayToTheAppServerAreRetriedBeforePushIsDisabled(condition: String) throws {
        let h = CoreHarness()
        try h.enable()
        let actions = try h.held("juliet@example.net/phone", message(1))
        let flight = try #require(actions.compactMap { if case .awaitAnswer(_, let f) = $0 { return f } else { return nil } }.first)
        let error = try XMLParser.parse("<iq type='error' id='x' from='push.remote.example'><error type='cancel'><\(condition) xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>")
        let answer = try h.run(.publishAnswer(error, flight))
        #expect(answer.disabled.isEmpty)
        let retry = try #require(answer.schedules.first)
        guard case .retry(_, _, let attempt) = retry.0 else { Issue.record("not a retry: \(retry.0)"); return }
        #expect(attempt == 1)
        #expect(try h.store.read { try $0.enables(ofUser: "juliet@example.net") }.count == 1)
        // Still unreachable after every retry: no app server there, push is disabled.
        var last = flight
        last.attempt = h.config.server.publishRetries
        let exhausted = try h.run(.publishAnswer(error, last))
        #expect(exhausted.schedules.isEmpty)
        #expect(exhausted.disabled.first?.1.contains("after \(h.config.server.publishRetries + 1) attempts") == true)
        #expect(try h.store.read { try $0.enables(ofUser: "juliet@example.net") }.isEmpty)
    }

    @Test func otherErrorsDisableThatEnablement() throws {
        let h = CoreHarness()
        try h.enable()
        let actions = try h.held("juliet@example.net/phone", message(1))
        let flight = try #require(actions.compactMap { if case .awaitAnswer(_, let f) = $0 { return f } else { return nil } }.first)
        let error = try XMLParser.parse("<iq type='error' id='x' from='push.remote.example'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>")
        let answer = try h.run(.publishAnswer(error, flight))
        #expect(answer.disabled.count == 1)
        #expect(answer.disabled.first?.1.contains("item-not-found") == true)
        #expect(try h.store.read { try $0.enables(ofUser: "juliet@example.net") }.isEmpty)
    }
}

@Suite struct Wakes {
    @Test func oneWakeBeforeThePendingTimeout() throws {
        let h = CoreHarness { $0.server.pendingTimeoutS = 3600; $0.server.wakeBeforeTimeoutS = 120 }
        try h.enable()
        let actions = try h.run(.sessionPending(try JID("juliet@example.net/phone")))
        let wake = try #require(actions.schedules.first)
        #expect(wake.1 == h.now + (3600 - 120) * 1000)
        h.now = wake.1
        let fired = try h.run(.timer(wake.0))
        #expect(fired.publishes.first?.summary?.value("wake-reason") == "timeout")
        #expect(try h.run(.timer(wake.0)).publishes.isEmpty)   // once
    }

    @Test func resumedSessionsAreNotWoken() throws {
        let h = CoreHarness()
        try h.enable()
        let wake = try #require(try h.run(.sessionPending(try JID("juliet@example.net/phone"))).schedules.first)
        try h.run(.sessionResumed(try JID("juliet@example.net/phone")))
        h.now = wake.1
        #expect(try h.run(.timer(wake.0)).publishes.isEmpty)
    }

    @Test func restartWakesPendingSessionsAtABoundedRate() throws {
        let h = CoreHarness { $0.server.restartWakeRate = 2 }
        for i in 0..<5 {
            try h.enable("user\(i)@example.net/phone")
            try h.run(.sessionPending(try JID("user\(i)@example.net/phone")))
        }
        try h.enable("online@example.net/phone")
        try h.run(.sessionOnline(try JID("online@example.net/phone")))
        // A new process starts.
        h.advance(seconds: 60)
        let start = try h.run(.startup(bootTime: h.now))
        #expect(start.schedules.map(\.1) == [h.now])
        #expect(try h.store.read { try $0.session("online@example.net/phone") } == nil)
        var woken = 0, rounds = 0
        var next: [(TimerKey, Millis)] = start.schedules
        while let (key, at) = next.first {
            h.now = at
            let actions = try h.run(.timer(key))
            #expect(actions.publishes.count <= 2)
            for p in actions.publishes { #expect(p.summary?.value("wake-reason") == "restart") }
            woken += actions.publishes.count
            next = actions.schedules.filter { $0.0 == .restartWakes }
            rounds += 1
        }
        #expect(woken == 5)
        #expect(rounds == 3)
    }
}

/// One input of a group commit that meets a damaged record fails alone:
/// its own earlier writes are undone, the other inputs are committed.
@Suite struct CorruptRecordInAGroupCommit {
    @Test func theInputsEarlierWritesAreUndoneAndTheOthersCommitted() throws {
        let h = CoreHarness()
        try h.enable(service: "push.a.example", node: "node-a")
        try h.enable(service: "push.b.example", node: "node-b")
        let first = EnableKey(user: "juliet@example.net", service: "push.a.example", node: "node-a")
        let damaged = EnableKey(user: "juliet@example.net", service: "push.b.example", node: "node-b")
        // A summary that does not decode, under the enablement visited second.
        try h.store.write { w in try w.put(.summary, damaged.key, [0xFF, 0x01]) }

        let message = try XMLParser.parse("<message from='romeo@example.org/orchard' id='m1' type='chat'><body>hi</body></message>")
        let held = try #require(Classifier(notifyOn: .important).classify(message, user: try JID("juliet@example.net"), roomNick: nil))
        let (heldActions, enableActions) = try h.store.write { txn in
            (try h.core.handle(.held(target: try JID("juliet@example.net"), held), now: h.now, store: txn),
             try h.core.handle(.iq(try XMLParser.parse("<iq type='set' id='en2' from='romeo@example.net/pc'><enable xmlns='urn:xmpp:push:0' jid='push.a.example' node='node-r'/></iq>")),
                               now: h.now, store: txn))
        }
        // The held stanza was reported alone: a log, no publish.
        #expect(heldActions.sent.isEmpty)
        #expect(heldActions.contains { if case .log(.error, let text) = $0 { text.contains("table summary") } else { false } })
        try h.store.read { r throws in
            // Without the nested transaction the first enablement's summary
            // would be stored, counting a message that was never pushed.
            #expect(try r.summary(first) == nil)
            #expect(try r.get(.summary, damaged.key) == [0xFF, 0x01])
            // The other input of the same group commit went through.
            #expect(try r.enables(ofUser: "romeo@example.net").count == 1)
        }
        #expect(enableActions.sent.first?[attribute: "type"] == "result")
    }
}
