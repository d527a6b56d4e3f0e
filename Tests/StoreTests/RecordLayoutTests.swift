import Testing
@testable import NudgeStore

/// Records written by an older Nudge still decode after their layout
/// gained fields.
@Suite struct RecordLayoutTests {
    /// An outbox record as format 1 wrote it: no stanzaAt.
    private func outboxFormat1(createdAt: Int64) -> [UInt8] {
        var w = ByteWriter()
        w.writeUInt8(1)
        w.writeString("push.example.net")
        w.writeString("node-1")
        w.writeBytes(Array("<notification/>".utf8))
        w.writeString("publish")
        w.writeUInt8(1)
        w.writeVarint(2)
        w.writeZigzag(createdAt + 5000)
        w.writeZigzag(createdAt)
        w.writeVarint(3)
        return w.bytes
    }

    @Test func anOutboxRecordWithoutStanzaAtReadsItAsItsCreation() throws {
        let record = try OutboxRecord(decoding: outboxFormat1(createdAt: 1_700_000_000_000))
        #expect(record == OutboxRecord(service: "push.example.net", node: "node-1", payload: Array("<notification/>".utf8),
                                       reason: "publish", priority: 1, attempts: 2, notBefore: 1_700_000_005_000,
                                       createdAt: 1_700_000_000_000, revision: 3))
        #expect(record.stanzaAt == 1_700_000_000_000)
    }

    @Test func anOutboxRecordKeepsItsStanzaTime() throws {
        let record = OutboxRecord(service: "s", node: "n", payload: [1], reason: "publish", priority: 0, attempts: 0,
                                  notBefore: 20, createdAt: 20, revision: 0, stanzaAt: 7)
        #expect(record.encode().first == 3)
        #expect(try OutboxRecord(decoding: record.encode()) == record)
        // Format 1 bytes followed by a stanzaAt are damage, not a format 2 record.
        #expect(throws: StoreError.self) { try OutboxRecord(decoding: outboxFormat1(createdAt: 5) + [0x0E]) }
    }

    /// An outbox record as format 2 wrote it: the notification's XML, no summary.
    private func outboxFormat2(payload: String) -> [UInt8] {
        var w = ByteWriter()
        w.writeUInt8(2)
        w.writeString("push.example.net")
        w.writeString("node-1")
        w.writeBytes(Array(payload.utf8))
        w.writeString("publish")
        w.writeUInt8(1)
        w.writeVarint(0)
        w.writeZigzag(10)
        w.writeZigzag(10)
        w.writeVarint(0)
        w.writeZigzag(7)
        return w.bytes
    }

    @Test func anOutboxRecordWithoutSummaryKeepsItsNotificationXML() throws {
        let xml = "<notification xmlns='urn:xmpp:push:0'/>"
        let record = try OutboxRecord(decoding: outboxFormat2(payload: xml))
        #expect(record.summary == nil)
        #expect(record.payload == Array(xml.utf8))
        #expect(record.stanzaAt == 7)
        // Format 2 bytes followed by a summary's presence byte are damage.
        #expect(throws: StoreError.self) { try OutboxRecord(decoding: outboxFormat2(payload: xml) + [0]) }
    }

    @Test func anOutboxRecordKeepsEverySummaryField() throws {
        let full = PushSummary(messageCount: "3", pendingSubscriptionCount: "1", lastMessageSender: "romeo@example.net",
                               lastMessageBody: "Wherefore art thou?", lastMessagePriority: "high", wakeReason: "restart",
                               encrypted: .init(data: "ZGF0YQ==", iv: "aXY=", voip: true),
                               push2: .init(payload: "cGF5", jwt: nil, jwtKey: "a2V5", voip: false))
        for summary in [full, PushSummary(), PushSummary(push2: .init(payload: nil, jwt: "h.c.s", jwtKey: nil, voip: true))] {
            let record = OutboxRecord(service: "s", node: "n", payload: [], reason: "publish", priority: 2, attempts: 1,
                                      notBefore: 20, createdAt: 20, revision: 4, stanzaAt: 7, summary: summary)
            let bytes = record.encode()
            #expect(bytes.first == 3)
            #expect(try OutboxRecord(decoding: bytes) == record)
            // Cut anywhere, it is damage, never a shorter record.
            #expect(throws: StoreError.self) { try OutboxRecord(decoding: Array(bytes.dropLast())) }
        }
        // The layout: after stanzaAt (0), a presence byte and the summary:
        // six strings behind their presence bytes (message-count "2"),
        // then no encrypted payload and no Push 2.0 content.
        let bare = OutboxRecord(service: "s", node: "n", payload: [], reason: "r", priority: 0, attempts: 0,
                                notBefore: 0, createdAt: 0, summary: PushSummary(messageCount: "2"))
        #expect(Array(bare.encode().suffix(12)) == [0, 1, 1, 1, 0x32, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test func aSummaryWithoutUnpushedSinceReadsItAsNil() throws {
        var w = ByteWriter()
        w.writeUInt8(1)
        w.writeVarint(4)
        w.writeVarint(0)
        w.writeOptional("romeo@example.org") { $0.writeString($1) }
        w.writeOptional(nil as String?) { $0.writeString($1) }
        w.writeOptional(Int64(10)) { $0.writeZigzag($1) }
        w.writeOptional(Int64(30)) { $0.writeZigzag($1) }
        w.writeVarint(9)
        let record = try SummaryRecord(decoding: w.bytes)
        #expect(record == SummaryRecord(messageCount: 4, subscriptionCount: 0, lastSender: "romeo@example.org", lastBody: nil,
                                        lastPushAt: 10, followUpAt: 30, burst: 9))
        #expect(record.unpushedSince == nil)
        var newer = record
        newer.unpushedSince = 12
        #expect(try SummaryRecord(decoding: newer.encode()) == newer)
    }

    /// An enablement as format 1 wrote it: no extensions.
    private func enableFormat1() -> [UInt8] {
        var w = ByteWriter()
        w.writeUInt8(1)
        w.writeString("siskin")
        w.writeVarint(1)
        w.writeString("secret")
        w.writeVarint(1)
        w.writeString("s3cr3t")
        w.writeZigzag(1_700_000_000_000)
        return w.bytes
    }

    @Test func anEnablementWithoutExtensionsReadsAsNone() throws {
        let record = try EnableRecord(decoding: enableFormat1())
        #expect(record == EnableRecord(resource: "siskin", publishOptions: [StoredField(name: "secret", values: ["s3cr3t"])],
                                       enabledAt: 1_700_000_000_000))
        #expect(record.extensions == .none)
        var newer = record
        newer.extensions = EnableExtensions(encryptionKey: Array(0..<16), maxPayloadBytes: 3000, priority: true, jingle: true,
                                            muted: ["a@b.example"],
                                            rooms: [.init(room: "r@muc.example", allow: .mentioned, nick: "jul"),
                                                    .init(room: "q@muc.example", allow: .never, nick: nil)])
        #expect(newer.encode().first == EnableRecord.formatVersion)
        #expect(try EnableRecord(decoding: newer.encode()) == newer)
        // Format 3 had no Push 2.0 registration (the last byte, none here),
        // format 2 no ignore-unknown either (the byte before): they read as
        // none and false.
        var format3 = newer.encode()
        #expect(format3.removeLast() == 0)
        format3[0] = 3
        #expect(try EnableRecord(decoding: format3) == newer)
        var format2 = format3
        #expect(format2.removeLast() == 0)
        format2[0] = 2
        #expect(try EnableRecord(decoding: format2) == newer)
        var ignoring = newer
        ignoring.extensions.ignoreUnknown = true
        #expect(try EnableRecord(decoding: ignoring.encode()) == ignoring)
        // Format 1 bytes followed by more are damage, not extensions.
        #expect(throws: StoreError.self) { try EnableRecord(decoding: enableFormat1() + [0]) }
        var badRule = newer.encode()
        let ruleAt = try #require(badRule.lastIndex(of: UInt8(EnableExtensions.RoomAllow.mentioned.rawValue)))
        badRule[ruleAt] = 9
        #expect(throws: StoreError.self) { try EnableRecord(decoding: badRule) }
    }

    @Test func aSummaryOfFormat2ReadsAsAPlainChatMessage() throws {
        var w = ByteWriter()
        w.writeUInt8(2)
        w.writeVarint(3)
        w.writeVarint(1)
        w.writeOptional("romeo@example.org") { $0.writeString($1) }
        w.writeOptional("hi" as String?) { $0.writeString($1) }
        w.writeOptional(Int64(10)) { $0.writeZigzag($1) }
        w.writeOptional(nil as Int64?) { $0.writeZigzag($1) }
        w.writeVarint(9)
        w.writeOptional(Int64(12)) { $0.writeZigzag($1) }
        let record = try SummaryRecord(decoding: w.bytes)
        #expect(record == SummaryRecord(messageCount: 3, subscriptionCount: 1, lastSender: "romeo@example.org", lastBody: "hi",
                                        lastPushAt: 10, followUpAt: nil, burst: 9, unpushedSince: 12))
        #expect(record.lastKind == .chat && !record.lastEncrypted && record.lastCall == nil)
        var newer = record
        newer.lastKind = .call
        newer.lastEncrypted = true
        newer.lastCall = CallProposal(sid: "s", caller: "romeo@example.org/laptop", media: ["audio", "video"])
        #expect(try SummaryRecord(decoding: newer.encode()) == newer)
        newer.lastCall = CallProposal(sid: "s", caller: "romeo@example.org/laptop", media: [], ended: true)
        #expect(try SummaryRecord(decoding: newer.encode()) == newer)
        var room = record
        room.lastKind = .groupchat
        var badKind = room.encode()   // …, kind, encrypted, no call, no stanza
        #expect(Array(badKind.suffix(4)) == [StanzaKind.groupchat.rawValue, 0, 0, 0])
        badKind[badKind.count - 4] = 7
        #expect(throws: StoreError.self) { try SummaryRecord(decoding: badKind) }
    }

    @Test func aFormatNewerThanTheRecordKnowsIsRefusedAndNamed() {
        var bytes = outboxFormat1(createdAt: 0)
        bytes[0] = 4
        #expect(throws: StoreError(.corrupt, "table outbox: unknown record format 4 (this Nudge reads 1 to 3)")) {
            try OutboxRecord(decoding: bytes)
        }
    }

    /// An enablement as format 2 wrote it (Tigase's extensions, no Push 2.0).
    private func enableFormat2() -> [UInt8] {
        var bytes = enableFormat1()
        bytes[0] = 2
        var w = ByteWriter()
        EnableExtensions(priority: true).encode(into: &w)
        // Format 2's extensions end before ignore-unknown (format 3).
        return bytes + w.bytes.dropLast()
    }

    static let push2 = Push2Registration(
        service: "push.snikket.example", client: "https://fcm.googleapis.com/fcm/send/abc",
        matches: [.init(profile: .important, graceSeconds: 144,
                        filters: [.init(jid: "room@muc.example", mention: true, reply: false),
                                  .init(jid: "muted@example.org", mention: false, reply: false)],
                        send: .encrypted(.init(uaPublic: [4] + Array(repeating: 7, count: 64), authSecret: Array(0..<16),
                                               jwtKey: Array(repeating: 9, count: 138),
                                               jwtClaims: [StoredField(name: "aud", values: ["https://fcm.googleapis.com"])]))),
                  .init(profile: .archivedWithBody, send: .notifyOnly)],
        failingSince: 1_700_000_000_000, lastErrorAt: 1_700_000_100_000)

    @Test func anEnablementOfFormat2IsNoPush2RegistrationAndFormat4KeepsOne() throws {
        let old = try EnableRecord(decoding: enableFormat2())
        #expect(old.push2 == nil && old.extensions.priority)
        var newer = old
        newer.push2 = Self.push2
        #expect(newer.encode().first == 4)
        #expect(try EnableRecord(decoding: newer.encode()) == newer)
        newer.push2?.failingSince = nil
        newer.push2?.matches[0].graceSeconds = nil
        #expect(try EnableRecord(decoding: newer.encode()) == newer)
        // Format 2 bytes followed by more are damage.
        #expect(throws: StoreError.self) { try EnableRecord(decoding: enableFormat2() + [1]) }
        // An unknown profile or send byte is named, not guessed.
        var bad = newer.encode()
        // After format 2's bytes: ignore-unknown (format 3), then the registration.
        let profileAt = enableFormat2().count + 1 + 1 + 1 + "push.snikket.example".utf8.count + 1
            + Self.push2.client.utf8.count + 1
        #expect(bad[profileAt] == Push2Registration.Profile.important.rawValue)
        bad[profileAt] = 9
        #expect(throws: StoreError.self) { try EnableRecord(decoding: bad) }
    }

    @Test func aSummaryOfFormat3HasNoStanzaAndFormat4KeepsIt() throws {
        var s = SummaryRecord(messageCount: 1, subscriptionCount: 0, lastSender: "romeo@example.org", lastBody: "hi",
                              lastPushAt: 10, followUpAt: nil, burst: 9, lastKind: .groupchat)
        var format3 = s.encode()
        #expect(format3.removeLast() == 0)   // no stanza
        format3[0] = 3
        #expect(try SummaryRecord(decoding: format3) == s)
        s.lastStanza = "<message xmlns='jabber:client' to='juliet@example.net'><body>hi</body></message>"
        #expect(s.encode().first == 4)
        #expect(try SummaryRecord(decoding: s.encode()) == s)
    }
}
