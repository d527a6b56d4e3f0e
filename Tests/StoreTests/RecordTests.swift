import NudgeStore
import Testing

/// Every record: round trip, a leading format byte, and a `.corrupt`
/// error (never a crash) for every truncation.
@Suite("Records")
struct RecordTests {
    static let enable = EnableRecord(
        resource: "phone",
        publishOptions: [StoredField(name: "FORM_TYPE", values: ["http://jabber.org/protocol/pubsub#publish-options"]),
                         StoredField(name: "secret", values: ["s3cr3t", "é"]),
                         StoredField(name: "empty", values: [])],
        enabledAt: 1_700_000_000_123)
    static let options = OptionsRecord(includeSenders: true, includeMessageCount: false,
                                       includeSubscriptionCount: true, includeMessageBodies: true)
    static let session = SessionRecord(state: .pending, since: 1_700_000_000_000, wakeAt: 1_700_000_259_000)
    static let summary = SummaryRecord(messageCount: 12, subscriptionCount: .max, lastSender: "bob@example.net",
                                       lastBody: "see you ✓", lastPushAt: -5, followUpAt: nil, burst: 1 << 40)
    static let outbox = OutboxRecord(service: "push.example.net", node: "node-1", payload: Array(0...255),
                                     reason: "restart-wake", priority: 9, attempts: 3,
                                     notBefore: 1_700_000_000_500, createdAt: 1_700_000_000_000)

    /// Decodes every strict prefix of `bytes` and expects `.corrupt`.
    func expectTruncationsFail(_ bytes: [UInt8], _ table: String,
                               _ decode: ([UInt8]) throws(StoreError) -> Void) {
        for length in 0..<bytes.count {
            do throws(StoreError) {
                try decode(Array(bytes.prefix(length)))
                Issue.record("\(table): a record cut to \(length) of \(bytes.count) bytes decoded")
            } catch {
                #expect(error.kind == .corrupt)
                #expect(error.message.hasPrefix("table \(table): "))
            }
        }
    }

    @Test func enableRecord() throws {
        let bytes = Self.enable.encode()
        #expect(bytes.first == 4)
        #expect(try EnableRecord(decoding: bytes) == Self.enable)
        var push2 = Self.enable
        push2.push2 = RecordLayoutTests.push2
        expectTruncationsFail(push2.encode(), "enable") { b throws(StoreError) in _ = try EnableRecord(decoding: b) }
        expectTruncationsFail(bytes, "enable") { b throws(StoreError) in _ = try EnableRecord(decoding: b) }
        let cut = storeError { _ = try EnableRecord(decoding: Array(bytes.prefix(12))) }
        #expect(cut == StoreError(.corrupt, "table enable: record truncated at byte 12"))
        #expect(storeError { _ = try EnableRecord(decoding: bytes + [0]) }?.kind == .corrupt)
    }

    @Test func optionsRecord() throws {
        let bytes = Self.options.encode()
        #expect(bytes == [1, 1, 0, 1, 1])
        #expect(try OptionsRecord(decoding: bytes) == Self.options)
        expectTruncationsFail(bytes, "options") { b throws(StoreError) in _ = try OptionsRecord(decoding: b) }
    }

    @Test func sessionRecord() throws {
        let bytes = Self.session.encode()
        #expect(try SessionRecord(decoding: bytes) == Self.session)
        let online = SessionRecord(state: .online, since: 0, wakeAt: nil)
        #expect(try SessionRecord(decoding: online.encode()) == online)
        expectTruncationsFail(bytes, "session") { b throws(StoreError) in _ = try SessionRecord(decoding: b) }
        var badState = bytes
        badState[1] = 7
        #expect(storeError { _ = try SessionRecord(decoding: badState) }
            == StoreError(.corrupt, "table session: unknown session state 7 at byte 1"))
    }

    @Test func summaryRecord() throws {
        let bytes = Self.summary.encode()
        #expect(try SummaryRecord(decoding: bytes) == Self.summary)
        #expect(try SummaryRecord(decoding: SummaryRecord.empty.encode()) == .empty)
        #expect(SummaryRecord.empty.encode() == [4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        expectTruncationsFail(bytes, "summary") { b throws(StoreError) in _ = try SummaryRecord(decoding: b) }
    }

    @Test func outboxRecord() throws {
        let bytes = Self.outbox.encode()
        #expect(try OutboxRecord(decoding: bytes) == Self.outbox)
        expectTruncationsFail(bytes, "outbox") { b throws(StoreError) in _ = try OutboxRecord(decoding: b) }
        #expect(OutboxRecord.key(258) == [0, 0, 0, 0, 0, 0, 1, 2])
        #expect(try OutboxRecord.sequence(key: OutboxRecord.key(.max)) == .max)
        #expect(storeError { _ = try OutboxRecord.sequence(key: [0, 1]) }?.kind == .corrupt)
    }

    @Test func enableKey() throws {
        let key = EnableKey(user: "a@x", service: "push.x", node: "n-1")
        #expect(key.key == b("a@x") + [0] + b("push.x") + [0] + b("n-1"))
        #expect(try EnableKey(key: key.key) == key)
        #expect(EnableKey.userPrefix("a@x") == b("a@x") + [0])
        #expect(key.key.starts(with: EnableKey.userPrefix("a@x")))
        #expect(!key.key.starts(with: EnableKey.userPrefix("a@")))
        let emptyNode = EnableKey(user: "a@x", service: "p", node: "")
        #expect(try EnableKey(key: emptyNode.key) == emptyNode)
        #expect(storeError { _ = try EnableKey(key: b("a@x") + [0] + b("p")) }
            == StoreError(.corrupt, "table enable: key has 2 NUL-separated parts, expected 3"))
        #expect(storeError { _ = try EnableKey(key: [0xFF, 0, 0x61, 0, 0x62]) }?.kind == .corrupt)
        #expect(!EnableKey(user: "a\u{0}b", service: "p", node: "n").isValid)
        #expect(key.isValid)
    }

    @Test func sameUserKeysSortTogether() {
        // user 0x00 … sorts before user + any other byte, so one user's
        // keys are contiguous and a longer user cannot sit among them.
        let keys = [EnableKey(user: "a@x", service: "z", node: "z"),
                    EnableKey(user: "a@x", service: "a", node: "b"),
                    EnableKey(user: "a@x-y", service: "a", node: "a"),
                    EnableKey(user: "a@xy", service: "a", node: "a")].map(\.key)
        let sorted = keys.sorted { $0.lexicographicallyPrecedes($1) }
        #expect(sorted == [keys[1], keys[0], keys[2], keys[3]])
    }
}
