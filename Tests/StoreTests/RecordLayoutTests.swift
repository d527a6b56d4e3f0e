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
        #expect(record.encode().first == 2)
        #expect(try OutboxRecord(decoding: record.encode()) == record)
        // Format 1 bytes followed by a stanzaAt are damage, not a format 2 record.
        #expect(throws: StoreError.self) { try OutboxRecord(decoding: outboxFormat1(createdAt: 5) + [0x0E]) }
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
        #expect(newer.encode().first == 3)
        #expect(try EnableRecord(decoding: newer.encode()) == newer)
        // Format 2 had no ignore-unknown: it reads as false.
        var format2 = newer.encode()
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
        var badKind = room.encode()   // …, kind, encrypted, no call
        #expect(Array(badKind.suffix(3)) == [StanzaKind.groupchat.rawValue, 0, 0])
        badKind[badKind.count - 3] = 7
        #expect(throws: StoreError.self) { try SummaryRecord(decoding: badKind) }
    }

    @Test func aFormatNewerThanTheRecordKnowsIsRefusedAndNamed() {
        var bytes = outboxFormat1(createdAt: 0)
        bytes[0] = 3
        #expect(throws: StoreError(.corrupt, "table outbox: unknown record format 3 (this Nudge reads 1 to 2)")) {
            try OutboxRecord(decoding: bytes)
        }
    }
}
