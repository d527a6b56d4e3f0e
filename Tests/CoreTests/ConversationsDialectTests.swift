import Testing
import NudgeCore
import NudgeStore
import NudgeXMPP

/// Conversations' registrations as its IqGenerator builds them
/// (`pushTokenToAppServer` with and without `muc`,
/// `unregisterChannelOnAppServer`), and the names its PushMessageReceiver
/// and XmppConnectionService look for in the FCM data. The expected hashes
/// are computed outside Swift: sha1("juliet@example.net\0abcdef0123") and
/// sha1("room@conference.example.net\0abcdef0123").
@Suite struct ConversationsDialect {
    static let accountName = "938c8a4125eb17681f5b5fa7c7298e54ce76a97e"
    static let channelName = "98036baa4e86f3bec7df0f1efbdcc3a1bfc253e9"
    static let room = "room@conference.example.net"

    func harness(_ configure: (inout Config) -> Void = { _ in }) -> CoreHarness {
        CoreHarness { c in
            c.appServer.backends = [TestBackends.apns, TestBackends.fcm]
            configure(&c)
        }
    }

    func record(_ h: CoreHarness, _ node: String) throws -> RegRecord {
        try #require(try h.store.read { try $0.registration(node: node) })
    }

    @Test func theAccountRegistrationCarriesConversationsAccountName() throws {
        let h = harness()
        let account = try h.register(command: "register-push-fcm", fields: [("token", "fcm-1"), ("android-id", "abcdef0123")])
        let stored = try record(h, account.node)
        #expect(stored.deviceID == "abcdef0123")
        #expect(stored.extra("account") == Self.accountName)
        #expect(stored.extra("channel") == nil)
    }

    @Test func aRoomGetsANodeOfItsOwnAndTheAccountsStaysAsItWas() throws {
        let h = harness()
        let account = try h.register(command: "register-push-fcm", fields: [("token", "fcm-1"), ("android-id", "abcdef0123")])
        let room = try h.register(command: "register-push-fcm",
                                  fields: [("token", "fcm-1"), ("android-id", "abcdef0123"), ("muc", Self.room)])
        #expect(room.node != account.node)
        let roomRecord = try record(h, room.node)
        #expect(roomRecord.extra("account") == Self.accountName)
        #expect(roomRecord.extra("channel") == Self.channelName)
        #expect(roomRecord.extra("room") == Self.room)
        #expect(roomRecord.deviceName == "room \(Self.room)")
        // The account's secret was not rotated: its enablement still works.
        let accountRecord = try record(h, account.node)
        #expect(accountRecord.previousSecretDigest.isEmpty)
        #expect(try h.enable(at: account)[attribute: "type"] == "result")
        // Registering the room again answers with its node, not a third one.
        let again = try h.register(command: "register-push-fcm",
                                   fields: [("token", "fcm-2"), ("android-id", "abcdef0123"), ("muc", Self.room)])
        #expect(again.node == room.node)
        #expect(try h.store.read { try $0.registrationCount() } == 2)
    }

    @Test func unregisteringARoomRemovesItAloneAndDisablesItsEnablement() throws {
        let h = harness()
        let account = try h.register(command: "register-push-fcm", fields: [("token", "fcm-1"), ("android-id", "abcdef0123")])
        let room = try h.register(command: "register-push-fcm",
                                  fields: [("token", "fcm-1"), ("android-id", "abcdef0123"), ("muc", Self.room)])
        try h.enable(at: room)
        let reply = try h.iq(h.commandXML("juliet@example.net/phone", "unregister-push-fcm",
                                          [("channel", Self.channelName), ("android-id", "abcdef0123")]))
        #expect(reply[attribute: "type"] == "result")
        let x = try #require(reply.child("command")?.child("x"))
        #expect(try DataForm(x)["nodes"] == [room.node])
        #expect(try h.store.read { try $0.registration(node: room.node) } == nil)
        #expect(try h.store.read { try $0.registration(node: account.node) } != nil)
        #expect(try h.store.read { try $0.enables(ofUser: "juliet@example.net") }.isEmpty)
        // Once gone, the channel is unknown.
        let again = try h.iq(h.commandXML("juliet@example.net/phone", "unregister-push-fcm",
                                          [("channel", Self.channelName), ("android-id", "abcdef0123")]))
        #expect(again.errorCondition == "item-not-found")
    }

    @Test func anotherUsersChannelIsNotFound() throws {
        let h = harness()
        _ = try h.register(command: "register-push-fcm", fields: [("token", "fcm-1"), ("android-id", "abcdef0123"), ("muc", Self.room)])
        let reply = try h.iq(h.commandXML("romeo@example.net/phone", "unregister-push-fcm",
                                          [("channel", Self.channelName), ("android-id", "abcdef0123")]))
        #expect(reply.errorCondition == "item-not-found")
        #expect(try h.store.read { try $0.registrationCount() } == 1)
    }

    @Test(arguments: [
        ("register-push-fcm", [("token", "t"), ("android-id", "a"), ("muc", "room@conference.example.net/nick")], "bare JID"),
        ("register-push-fcm", [("token", "t"), ("android-id", "a"), ("muc", "conference.example.net")], "bare JID"),
        ("register-push-fcm", [("token", "t"), ("muc", "room@conference.example.net")], "android-id"),
        ("unregister-push-fcm", [("android-id", "a")], "channel"),
        ("unregister-push-fcm", [("channel", "c")], "android-id"),
    ])
    func malformedRequestsAreRefusedNamingTheField(command: String, fields: [(String, String)], named: String) throws {
        let h = harness()
        let reply = try h.iq(h.commandXML("juliet@example.net/phone", command, fields))
        #expect(reply.errorCondition == "bad-request")
        #expect(reply.errorText?.contains(named) == true)
        #expect(try h.store.read { try $0.registrationCount() } == 0)
    }

    @Test func roomsDoNotCountAsDevices() throws {
        let h = harness { $0.appServer.maxDevicesPerUser = 1 }
        _ = try h.register(command: "register-push-fcm", fields: [("token", "fcm-1"), ("android-id", "abcdef0123")])
        for n in 0..<3 {
            _ = try h.register(command: "register-push-fcm",
                               fields: [("token", "fcm-1"), ("android-id", "abcdef0123"), ("muc", "room\(n)@conference.example.net")])
        }
        let second = try h.iq(h.commandXML("juliet@example.net/tablet", "register-push-fcm", [("token", "fcm-2"), ("android-id", "99")]))
        #expect(second.errorCondition == "not-allowed")
    }

    @Test func withoutAnFCMBackendThereIsNoUnregisterCommand() throws {
        let h = harness { $0.appServer.backends = [TestBackends.apns] }
        let reply = try h.iq(h.commandXML("juliet@example.net/phone", "unregister-push-fcm", [("channel", "c"), ("android-id", "a")]))
        #expect(reply.errorCondition == "item-not-found")
    }
}
