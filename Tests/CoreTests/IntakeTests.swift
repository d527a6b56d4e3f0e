import Testing
import NudgeCore
import NudgeXMPP

/// What host threads decide before the writer, tested as plain values:
/// no thread, lock or clock.
@Suite struct RecentStanzasTests {
    @Test func remembersWithinItsCapacity() {
        var recent = RecentStanzas(capacity: 3)
        func seen(_ key: String) -> Bool { recent.firstSighting(key) }
        #expect(seen("a"))
        #expect(!seen("a"))
        #expect(seen("b") && seen("c") && seen("d"))
        #expect(seen("a"))   // "a" was forgotten when "d" came
        #expect(!seen("d"))
    }

    @Test func aForgottenKeyIsNewAgain() {
        var recent = RecentStanzas(capacity: 4)
        func seen(_ key: String) -> Bool { recent.firstSighting(key) }
        #expect(seen("a"))
        recent.forget("a")
        #expect(seen("a"))   // a retry after EBUSY is not a duplicate
        #expect(!seen("a"))
    }

    @Test func aStanzaQueuedForOneSessionIsNotADuplicateOfTheSameForAnother() throws {
        let held = try #require(Classifier(notifyOn: .important).classify(
            try XMLParser.parse("<message from='r@x.org/a' id='m1'><body>hi</body></message>"),
            user: try JID("juliet@example.net"), roomNick: nil))
        let phone = RecentStanzas.key(user: "juliet@example.net", resource: "phone", held)
        let laptop = RecentStanzas.key(user: "juliet@example.net", resource: "laptop", held)
        let account = RecentStanzas.key(user: "juliet@example.net", resource: nil, held)
        #expect(Set([phone, laptop, account]).count == 3)
        var recent = RecentStanzas()
        func seen(_ key: String) -> Bool { recent.firstSighting(key) }
        #expect(seen(phone) && seen(laptop) && seen(account))
        #expect(!seen(account))
    }
}

@Suite struct RegistrationBudgetTests {
    @Test func aUserGetsTheCapacityThenWaitsForTheRefill() {
        var budget = RegistrationBudget(capacity: 3, period: 3_600_000)
        func allow(_ key: String, _ now: Int64) -> Bool { budget.allow(key, now: now) }
        for _ in 0..<3 { #expect(allow("juliet@example.net", 0)) }
        #expect(!allow("juliet@example.net", 0))
        #expect(allow("romeo@example.net", 0))            // another user's budget is their own
        #expect(!allow("juliet@example.net", 1_199_999))   // a third of the period is one registration
        #expect(allow("juliet@example.net", 1_200_100))
        #expect(!allow("juliet@example.net", 1_200_100))
    }

    @Test func theRefillNeverExceedsTheCapacity() {
        var budget = RegistrationBudget(capacity: 2, period: 1000)
        func allow(_ key: String, _ now: Int64) -> Bool { budget.allow(key, now: now) }
        #expect(allow("u", 0))
        let later: Int64 = 1_000_000
        #expect(allow("u", later) && allow("u", later))
        #expect(!allow("u", later))
    }

    @Test func fullBucketsAreForgottenWhenTheTableGrows() {
        var budget = RegistrationBudget(capacity: 1, period: 1000, maxKeys: 10)
        func allow(_ key: String, _ now: Int64) -> Bool { budget.allow(key, now: now) }
        for i in 0..<11 { #expect(allow("user\(i)", 0)) }
        // Every bucket has refilled by t=1000; the next new key sweeps them.
        #expect(allow("late", 1000))
        #expect(budget.keyCount == 1)
        // An empty bucket is kept: forgetting it would hand out a new budget.
        var tight = RegistrationBudget(capacity: 1, period: 1000, maxKeys: 2)
        func allowTight(_ key: String, _ now: Int64) -> Bool { tight.allow(key, now: now) }
        for i in 0..<3 { #expect(allowTight("user\(i)", 0)) }
        #expect(allowTight("late", 10))
        #expect(!allowTight("user0", 10))
    }
}

@Suite struct RoomNicksTests {
    @Test func theNickComesFromTheRoomOfAGroupchatMessageOnly() throws {
        var nicks = RoomNicks()
        nicks.set(user: "juliet@example.net", room: "garden@rooms.example.net", nick: "jules")
        let groupchat = try XMLParser.parse("<message type='groupchat' from='garden@rooms.example.net/romeo'><body>jules?</body></message>")
        let chat = try XMLParser.parse("<message type='chat' from='garden@rooms.example.net/romeo'><body>jules?</body></message>")
        #expect(nicks.nick(for: groupchat, user: "juliet@example.net") == "jules")
        #expect(nicks.nick(for: chat, user: "juliet@example.net") == nil)
        #expect(nicks.nick(for: groupchat, user: "romeo@example.net") == nil)
        // The same message as ejabberd's MucSub delivers it to a subscriber.
        let wrapped = try XMLParser.parse("<message from='garden@rooms.example.net' to='juliet@example.net'><event xmlns='http://jabber.org/protocol/pubsub#event'>"
            + "<items node='urn:xmpp:mucsub:nodes:messages'><item id='1'><message type='groupchat' from='garden@rooms.example.net/romeo'><body>jules?</body></message></item></items></event></message>")
        #expect(nicks.nick(for: wrapped, user: "juliet@example.net") == "jules")
        nicks.set(user: "juliet@example.net", room: "garden@rooms.example.net", nick: nil)
        #expect(nicks.nick(for: groupchat, user: "juliet@example.net") == nil)
    }
}

@Suite struct RoutedIQTests {
    private func command(_ node: String, form: Bool) throws -> Element {
        try XMLParser.parse("<iq type='set' id='r1' from='juliet@example.net/phone' to='push.example.net'>"
            + "<command xmlns='http://jabber.org/protocol/commands' node='\(node)' action='execute'>"
            + (form ? "<x xmlns='jabber:x:data' type='submit'/>" : "") + "</command></iq>")
    }

    @Test func onlyARegisterCommandWithItsFormCostsBudget() throws {
        #expect(RoutedIQ.isRegistration(try command("register-push-apns", form: true)))
        #expect(!RoutedIQ.isRegistration(try command("register-push-apns", form: false)))
        #expect(!RoutedIQ.isRegistration(try command("unregister-push", form: true)))
    }

    @Test func refusalsAreErrorRepliesToTheSender() throws {
        let iq = try command("register-push-apns", form: true)
        for (reply, type, condition) in [(RoutedIQ.overBudget(iq), "wait", "resource-constraint"),
                                         (RoutedIQ.busy(iq), "wait", "resource-constraint"),
                                         (RoutedIQ.badType(iq), "modify", "bad-request")] {
            #expect(reply[attribute: "type"] == "error" && reply[attribute: "id"] == "r1")
            #expect(reply[attribute: "to"] == "juliet@example.net/phone")
            let error = try #require(reply.child("error"))
            #expect(error[attribute: "type"] == type)
            #expect(error.child(condition, namespace: "urn:ietf:params:xml:ns:xmpp-stanzas") != nil)
        }
    }
}
