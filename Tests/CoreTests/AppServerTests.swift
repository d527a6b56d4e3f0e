import Testing
import NudgeCore
import NudgeStore
import NudgeXMPP

private func appHarness(_ configure: (inout Config) -> Void = { _ in }) -> CoreHarness {
    CoreHarness { c in
        c.appServer.backends = [TestBackends.apns, TestBackends.fcm]
        configure(&c)
    }
}

private func publishXML(node: String, secret: String?, notification: String = "<notification xmlns='urn:xmpp:push:0'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>urn:xmpp:push:summary</value></field><field var='message-count'><value>3</value></field></x></notification>") -> String {
    let options = secret.map {
        "<publish-options><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field><field var='secret'><value>\($0)</value></field></x></publish-options>"
    } ?? ""
    return "<iq type='set' id='p1' from='romeo@remote.example' to='push.example.net'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='\(node)'><item>\(notification)</item></publish>\(options)</pubsub></iq>"
}

@Suite struct Registration {
    @Test func registerReturnsJIDNodeAndSecret() throws {
        let h = appHarness()
        let reg = try h.register()
        #expect(!reg.node.isEmpty && reg.secret.count >= 24)
        let stored = try #require(try h.store.read { try $0.registration(node: reg.node) })
        #expect(stored.vendor == "apns" && stored.app == "chatninja" && stored.token == "a1b2c3d4e5f6")
        #expect(stored.deviceID == "phone" && stored.owner == "juliet@example.net")
        #expect(stored.secretDigest.count == 32)   // a digest, not the secret
    }

    @Test func base64APNsTokensBecomeHex() throws {
        let h = appHarness()
        let reg = try h.register(fields: [("token", "r3qpHKmzZHjYKYbG7yI4fhY+DWKqFZE5ZJEM8P+lDDo=")])
        let stored = try #require(try h.store.read { try $0.registration(node: reg.node) })
        #expect(stored.token == "af7aa91ca9b36478d82986c6ef22387e163e0d62aa15913964910cf0ffa50c3a")
    }

    @Test func reRegisteringKeepsTheNodeAndTheOldSecretStillWorks() throws {
        let h = appHarness()
        let first = try h.register()
        h.advance(seconds: 10)
        let second = try h.register(fields: [("token", "ffff0000")])
        #expect(second.node == first.node && second.secret != first.secret)
        #expect(try h.store.read { try $0.registration(node: first.node) }?.token == "ffff0000")
        for secret in [first.secret, second.secret] {
            #expect(try h.iq(publishXML(node: first.node, secret: secret))[attribute: "type"] == "result")
        }
    }

    @Test func conversationsDialectAndTheGCMAlias() throws {
        let h = appHarness()
        let a = try h.register(command: "register-push-fcm", fields: [("token", "fcm-token-1"), ("android-id", "abcdef0123")])
        #expect(try h.store.read { try $0.registration(node: a.node) }?.deviceID == "abcdef0123")
        let b = try h.register("juliet@example.net/tablet", command: "register-push-gcm", fields: [("token", "fcm-token-2")])
        #expect(try h.store.read { try $0.registration(node: b.node) }?.vendor == "fcm")
    }

    @Test func withoutAFormTheCommandAsksForOne() throws {
        let h = appHarness()
        let reply = try h.iq("<iq type='set' id='c' from='juliet@example.net/phone' to='example.net'><command xmlns='http://jabber.org/protocol/commands' node='register-push-apns' action='execute'/></iq>")
        let command = try #require(reply.child("command"))
        #expect(command[attribute: "status"] == "executing")
        #expect(try DataForm(#require(command.child("x"))).fields.map(\.variable).contains("token"))
    }

    @Test(arguments: [
        ("juliet@example.net/phone", "register-push-wns", [("token", "x")], "item-not-found"),
        ("juliet@example.net/phone", "register-push-frob", [("token", "x")], "item-not-found"),
        ("juliet@elsewhere.example/phone", "register-push-apns", [("token", "ab")], "forbidden"),
        ("juliet@example.net/phone", "register-push-apns", [("device-name", "x")], "bad-request"),
        ("juliet@example.net/phone", "register-push-apns", [("token", "not base64 or hex!")], "bad-request"),
        ("juliet@example.net/phone", "register-push-apns", [("token", "ab"), ("app", "otherapp")], "item-not-found"),
        ("juliet@example.net/phone", "register-push-fcm", [("token", String(repeating: "t", count: 5000))], "bad-request"),
    ])
    func refusals(from: String, command: String, fields: [(String, String)], condition: String) throws {
        let h = appHarness()
        let reply = try h.iq(h.commandXML(from, command, fields))
        #expect(reply[attribute: "type"] == "error")
        #expect(reply.errorCondition == condition)
        #expect(try h.store.read { try $0.registrationCount() } == 0)
    }

    @Test func aPerUserMaximum() throws {
        let h = appHarness { $0.appServer.maxDevicesPerUser = 2 }
        _ = try h.register("juliet@example.net/a")
        _ = try h.register("juliet@example.net/b")
        let reply = try h.iq(h.commandXML("juliet@example.net/c", "register-push-apns", [("token", "abcd")]))
        #expect(reply.errorCondition == "not-allowed")
        _ = try h.register("juliet@example.net/a", fields: [("token", "beef")])   // re-registering is fine
    }

    @Test func listAndUnregister() throws {
        let h = appHarness()
        let phone = try h.register(fields: [("token", "aa"), ("device-name", "Juliet's phone")])
        let tablet = try h.register("juliet@example.net/tablet")
        let romeo = try h.register("romeo@example.net/pc")
        let list = try h.iq("<iq type='set' id='l' from='juliet@example.net/phone' to='example.net'><command xmlns='http://jabber.org/protocol/commands' node='list-push-registrations' action='execute'/></iq>")
        let items = try DataForm(#require(list.child("command")?.child("x"))).items
        #expect(items.count == 2)
        #expect(items.contains { $0.contains { $0.variable == "device-name" && $0.values == ["Juliet's phone"] } })
        // Someone else's node in the list is ignored.
        let byNodes = try h.iq(h.commandXML("juliet@example.net/phone", "unregister-push", [("nodes", tablet.node), ("nodes", romeo.node)]))
        #expect(try DataForm(#require(byNodes.child("command")?.child("x")))["nodes"] == [tablet.node])
        #expect(try h.store.read { try $0.registration(node: romeo.node) } != nil)
        // By device id, defaulting to the resource.
        _ = try h.iq("<iq type='set' id='u' from='juliet@example.net/phone' to='example.net'><command xmlns='http://jabber.org/protocol/commands' node='unregister-push' action='execute'/></iq>")
        #expect(try h.store.read { try $0.registration(node: phone.node) } == nil)
    }

    @Test func unregisteringDisablesTheEnablementsOnIt() throws {
        let h = appHarness()
        let reg = try h.register()
        try h.enable(at: reg)
        let actions = try h.run(.iq(try XMLParser.parse(h.commandXML("juliet@example.net/phone", "unregister-push", [("device-id", "phone")]))))
        #expect(actions.disabled.map(\.0.node) == [reg.node])
        #expect(try h.store.read { try $0.enables(ofUser: "juliet@example.net") }.isEmpty)
    }

    @Test func discoveryListsTheCommandsAndTheirApps() throws {
        let h = appHarness()
        let reply = try h.iq("<iq type='get' id='d' from='juliet@example.net/phone' to='example.net'><query xmlns='http://jabber.org/protocol/disco#items' node='http://jabber.org/protocol/commands'/></iq>")
        let items = reply.child("query")?.children("item") ?? []
        let nodes = items.compactMap { $0[attribute: "node"] }
        #expect(nodes == ["register-push-apns", "register-push-fcm", "list-push-registrations", "unregister-push", "unregister-push-fcm",
                         "register-device", "unregister-device"])
        #expect(items.first?[attribute: "name"]?.contains("chatninja") == true)
        let info = try h.iq("<iq type='get' id='d' from='romeo@remote.example' to='push.example.net'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
        #expect(info.child("query")?.child("identity")?[attribute: "type"] == "push")
    }
}

@Suite struct Publishes {
    @Test func aRemotePublishIsAcceptedAndQueued() throws {
        let h = appHarness()
        let reg = try h.register()
        let actions = try h.run(.iq(try XMLParser.parse(publishXML(node: reg.node, secret: reg.secret))))
        #expect(actions.sent.first?[attribute: "type"] == "result")
        let deliver = try #require(actions.schedules.first)
        #expect(deliver.1 == h.now)
        let dispatched = try h.run(.timer(deliver.0))
        let job = try #require(dispatched.compactMap { if case .dispatch(let j) = $0 { return j } else { return nil } }.first)
        #expect(job.node == reg.node && job.registration.token == "a1b2c3d4e5f6")
        #expect(job.summary.messageCount == "3")
        #expect(job.attempt == 0)
    }

    /// The pubsub host matches as text when written as configured, and
    /// as a JID (normalized) when not; a JID with a resource is not it.
    @Test func thePubsubHostIsRecognisedHoweverItIsWritten() throws {
        let h = appHarness()
        let reg = try h.register()
        let xml = publishXML(node: reg.node, secret: reg.secret)
        #expect(try h.iq(xml.replacing("to='push.example.net'", with: "to='PUSH.Example.net'"))[attribute: "type"] == "result")
        #expect((try? h.iq(xml.replacing("to='push.example.net'", with: "to='push.example.net/x'")))?[attribute: "type"] != "result")
        #expect(try h.iq(xml)[attribute: "type"] == "result")
    }

    @Test(arguments: [
        ("unknown", "x", "item-not-found"),
        (nil, "wrong", "not-authorized"),
        (nil, nil, "not-authorized"),
    ] as [(String?, String?, String)])
    func refusals(node: String?, secret: String?, condition: String) throws {
        let h = appHarness()
        let reg = try h.register()
        let actions = try h.run(.iq(try XMLParser.parse(publishXML(node: node ?? reg.node, secret: secret))))
        #expect(actions.sent.first?.errorCondition == condition)
        #expect(actions.logs.count == 1)   // logged once
        var jobs = 0
        try h.store.read { r in try r.forEachOutbox { _, _ in jobs += 1; return true } }
        #expect(jobs == 0)
    }

    @Test func aPublishWithoutANotificationIsABadRequest() throws {
        let h = appHarness()
        let reg = try h.register()
        #expect(try h.iq(publishXML(node: reg.node, secret: reg.secret, notification: "<foo/>")).errorCondition == "bad-request")
    }
}

@Suite struct TokenNodes {
    private func fpushPublish(node: String, module: String?) -> String {
        let options = module.map {
            "<publish-options><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field><field var='pushModule'><value>\($0)</value></field></x></publish-options>"
        } ?? ""
        return "<iq type='set' id='f' from='someone@monal.example' to='push.example.net'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='\(node)'><item><notification xmlns='urn:xmpp:push:0'/></item></publish>\(options)</pubsub></iq>"
    }

    @Test func aPublishToADeviceTokenWithItsPushModuleIsDelivered() throws {
        let h = appHarness { $0.appServer.tokenNodes = true }
        let actions = try h.run(.iq(try XMLParser.parse(fpushPublish(node: "ABCDEF0123456789", module: "chatninja"))))
        #expect(actions.sent.first?[attribute: "type"] == "result")
        let reg = try #require(try h.store.read { try $0.registration(node: "ABCDEF0123456789") })
        #expect(reg.vendor == "apns" && reg.token == "abcdef0123456789" && reg.secretDigest.isEmpty)
        #expect(reg.owner == "someone@monal.example")
        let deliver = try #require(actions.schedules.first)
        let job = try h.run(.timer(deliver.0)).compactMap { if case .dispatch(let j) = $0 { return j } else { return nil } }.first
        #expect(job?.registration.token == "abcdef0123456789")
        // Without a module, "default" is the first backend.
        #expect(try h.iq(fpushPublish(node: "00ff", module: nil))[attribute: "type"] == "result")
    }

    @Test(arguments: [
        (false, "ABCDEF", "chatninja", "item-not-found"),   // the dialect is off by default
        (true, "ABCDEF", "otherapp", "item-not-found"),
        (true, "not-hex!", "chatninja", "bad-request"),      // APNs tokens are hex
    ])
    func refusals(enabled: Bool, node: String, module: String, condition: String) throws {
        let h = appHarness { $0.appServer.tokenNodes = enabled }
        #expect(try h.iq(fpushPublish(node: node, module: module)).errorCondition == condition)
        #expect(try h.store.read { try $0.registrationCount() } == 0)
    }

    @Test func registeredNodesStillNeedTheirSecret() throws {
        let h = appHarness { $0.appServer.tokenNodes = true }
        let reg = try h.register()
        #expect(try h.iq(publishXML(node: reg.node, secret: nil)).errorCondition == "not-authorized")
    }
}

@Suite struct DeliveryLifecycle {
    private func queued(_ h: CoreHarness) throws -> (CoreHarness.Registered, UInt64) {
        let reg = try h.register()
        try h.enable(at: reg)
        try h.run(.iq(try XMLParser.parse(publishXML(node: reg.node, secret: reg.secret))))
        var seq: UInt64 = 0
        try h.store.read { r in try r.forEachOutbox { s, _ in seq = s; return false } }
        return (reg, seq)
    }

    private func jobs(_ h: CoreHarness) throws -> [OutboxRecord] {
        var all: [OutboxRecord] = []
        try h.store.read { r in try r.forEachOutbox { _, j in all.append(j); return true } }
        return all
    }

    /// A job an older Nudge wrote (format 2) holds the notification's XML
    /// and no summary: it is delivered from the XML.
    @Test func aJobWithoutSummaryIsDeliveredFromItsXML() throws {
        let h = appHarness()
        let (_, seq) = try queued(h)
        try h.store.write { w in
            var job = try #require(try w.outbox(seq))
            job.summary = nil
            job.payload = Array("<notification xmlns='urn:xmpp:push:0'><x xmlns='jabber:x:data' type='submit'><field var='message-count'><value>7</value></field></x></notification>".utf8)
            try w.putOutbox(seq, job)
        }
        let dispatched = try h.run(.timer(.deliver(seq: seq)))
        let job = try #require(dispatched.compactMap { if case .dispatch(let j) = $0 { return j } else { return nil } }.first)
        #expect(job.summary == PushSummary(messageCount: "7"))
    }

    @Test func deliveredJobsLeaveTheOutbox() throws {
        let h = appHarness()
        let (_, seq) = try queued(h)
        try h.run(.deliveryFinished(seq: seq, revision: 0, .delivered))
        #expect(try jobs(h).isEmpty)
    }

    @Test func retriesHonourRetryAfterAndGiveUp() throws {
        let h = appHarness { $0.appServer.maxAttempts = 2 }
        let (_, seq) = try queued(h)
        let actions = try h.run(.deliveryFinished(seq: seq, revision: 0, .retry(afterMs: 60_000, reason: "429 TooManyRequests")))
        #expect(try jobs(h).first?.notBefore ?? 0 >= h.now + 60_000)
        #expect(actions.schedules.first?.1 ?? 0 >= h.now + 60_000)
        // Not yet due: the timer does nothing.
        #expect(try h.run(.timer(.deliver(seq: seq))).isEmpty)
        try h.run(.deliveryFinished(seq: seq, revision: 0, .retry(afterMs: nil, reason: "503")))
        #expect(try jobs(h).isEmpty)
    }

    @Test func staleJobsAreDropped() throws {
        let h = appHarness { $0.appServer.maxAgeS = 60 }
        let (_, seq) = try queued(h)
        h.advance(seconds: 61)
        let actions = try h.run(.timer(.deliver(seq: seq)))
        #expect(!actions.contains { if case .dispatch = $0 { return true } else { return false } })
        #expect(try jobs(h).isEmpty)
    }

    @Test func tokenGoneRemovesTheRegistrationAndDisablesPush() throws {
        let h = appHarness()
        let (reg, seq) = try queued(h)
        let actions = try h.run(.deliveryFinished(seq: seq, revision: 0, .tokenGone(vendorTimestamp: h.now + 1, reason: "410 Unregistered")))
        #expect(try h.store.read { try $0.registration(node: reg.node) } == nil)
        #expect(actions.disabled.count == 1)
        #expect(try h.store.read { try $0.enables(ofUser: "juliet@example.net") }.isEmpty)
    }

    @Test func tokenGoneBeforeTheLastRegistrationKeepsIt() throws {
        let h = appHarness()
        let (reg, seq) = try queued(h)
        try h.run(.deliveryFinished(seq: seq, revision: 0, .tokenGone(vendorTimestamp: h.now - 60_000, reason: "410 Unregistered")))
        #expect(try h.store.read { try $0.registration(node: reg.node) } != nil)
        #expect(try jobs(h).isEmpty)
    }

    @Test func aNewerSummaryReplacesAnUndeliveredOne() throws {
        let h = appHarness()
        let (reg, seq) = try queued(h)
        let again = try h.run(.iq(try XMLParser.parse(publishXML(node: reg.node, secret: reg.secret).replacing("<value>3</value>", with: "<value>4</value>"))))
        #expect(again.sent.first?[attribute: "type"] == "result")
        let all = try jobs(h)
        #expect(all.count == 1)
        #expect(all.first?.revision == 1)
        #expect(all.first?.summary?.messageCount == "4")
        #expect(all.first.map { _ in seq } == seq)
    }

    @Test func deliveringAnOlderRevisionKeepsTheNewerSummary() throws {
        let h = appHarness()
        let (reg, seq) = try queued(h)
        // Revision 0 is dispatched; revision 1 arrives while it is in flight.
        try h.run(.iq(try XMLParser.parse(publishXML(node: reg.node, secret: reg.secret))))
        let actions = try h.run(.deliveryFinished(seq: seq, revision: 0, .delivered))
        #expect(try jobs(h).count == 1)
        #expect(actions.schedules.contains { $0.0 == .deliver(seq: seq) })
        try h.run(.deliveryFinished(seq: seq, revision: 1, .delivered))
        #expect(try jobs(h).isEmpty)
        // With the job gone, the next publish queues a new one.
        try h.run(.iq(try XMLParser.parse(publishXML(node: reg.node, secret: reg.secret))))
        #expect(try jobs(h).count == 1)
    }
}
