import Testing
@testable import NudgeStore

/// Records written by an older Nudge (format 1) still decode after their
/// layout gained a field (format 2).
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

    @Test func aFormatNewerThanTheRecordKnowsIsRefusedAndNamed() {
        var bytes = outboxFormat1(createdAt: 0)
        bytes[0] = 3
        #expect(throws: StoreError(.corrupt, "table outbox: unknown record format 3 (this Nudge reads 1 to 2)")) {
            try OutboxRecord(decoding: bytes)
        }
    }
}
