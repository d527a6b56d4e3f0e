import Glibc
import NudgeStore
import Synchronization
import Testing

/// Behaviour every `Store` must have, written once against `any Store` and
/// run on both implementations by `ParityTests`.
enum Scenarios {
    struct Boom: Error, Equatable {}

    static func putGetDeleteCount(_ store: any Store) throws {
        try store.write { w throws in
            try w.put(.reg, b("k1"), b("v1"))
            try w.put(.reg, b("k2"), [])
            // A write sees its own changes.
            #expect(try w.get(.reg, b("k1")) == b("v1"))
            try w.put(.reg, b("k1"), b("v1b"))
        }
        try store.read { r throws in
            #expect(try r.get(.reg, b("k1")) == b("v1b"))
            #expect(try r.get(.reg, b("k2")) == [])
            #expect(try r.get(.reg, b("k3")) == nil)
            #expect(try r.get(.regOwner, b("k1")) == nil)
            #expect(try r.count(.reg) == 2)
        }
        let deleted = try store.write { w throws in
            (try w.delete(.reg, b("k1")), try w.delete(.reg, b("k1")))
        }
        #expect(deleted == (true, false))
        try store.read { r throws in
            #expect(try r.get(.reg, b("k1")) == nil)
            #expect(try r.count(.reg) == 1)
        }
        let stats = try store.stats()
        #expect(stats.entries[.reg] == 1)
        #expect(stats.entries[.meta] == 2)
        #expect(stats.entries.count == Table.allCases.count)
    }

    static func newStoreHasSchemaAndDirtyFlag(_ store: any Store) throws {
        try store.read { r throws in
            #expect(try r.get(.meta, b("schema")) == [0, 0, 0, 2])
            #expect(try r.get(.meta, b("clean")) == [0])
        }
    }

    static func throwingBodyLeavesNothing(_ store: any Store) throws {
        try store.write { w throws in try w.put(.reg, b("kept"), b("1")) }
        do {
            try store.write { w throws in
                try w.put(.reg, b("new"), b("x"))
                try w.delete(.reg, b("kept"))
                throw Boom()
            }
            Issue.record("the write should have thrown")
        } catch let error as Boom {
            #expect(error == Boom())
        }
        try store.read { r throws in
            #expect(try r.get(.reg, b("new")) == nil)
            #expect(try r.get(.reg, b("kept")) == b("1"))
        }
    }

    static func keyLimits(_ store: any Store) throws {
        let long = [UInt8](repeating: 0x61, count: StoreLimits.maxKeyBytes + 1)
        let atLimit = [UInt8](repeating: 0x62, count: StoreLimits.maxKeyBytes)
        try store.write { w throws in
            let e1 = storeError { try w.put(.reg, [], b("v")) }
            #expect(e1?.kind == .invalidArgument)
            let e = storeError { try w.put(.reg, long, b("v")) }
            #expect(e?.kind == .invalidArgument)
            #expect(e?.message == "table reg: key of 512 bytes exceeds the limit of 511")
            // Refusing a key does not spoil the transaction.
            try w.put(.reg, atLimit, b("ok"))
            #expect(try w.get(.reg, long) == nil)
            #expect(try w.get(.reg, []) == nil)
            #expect(try w.delete(.reg, long) == false)
        }
        try store.read { r throws in
            #expect(try r.get(.reg, atLimit) == b("ok"))
        }
    }

    static func scansAreOrderedAndPrefixed(_ store: any Store) throws {
        let keys: [[UInt8]] = [b("a@xy"), b("a@x"), [0x61, 0x40, 0x78, 0x00, 0x73], b("b"), b("a"), [0xFF], b("a@x\u{1}")]
        try store.write { w throws in
            for (i, k) in keys.enumerated() {
                try w.put(.reg, k, [UInt8(i)])
            }
        }
        try store.read { r throws in
            var all: [[UInt8]] = []
            try r.scan(.reg, prefix: []) { k, _ in all.append(k); return true }
            #expect(all == [b("a"), b("a@x"), [0x61, 0x40, 0x78, 0x00, 0x73], b("a@x\u{1}"), b("a@xy"), b("b"), [0xFF]])

            var userKeys: [[UInt8]] = []
            try r.scan(.reg, prefix: b("a@x") + [0]) { k, v in
                userKeys.append(k)
                #expect(v == [2])
                return true
            }
            #expect(userKeys == [[0x61, 0x40, 0x78, 0x00, 0x73]])

            var stoppedAfter = 0
            try r.scan(.reg, prefix: b("a")) { _, _ in stoppedAfter += 1; return stoppedAfter < 2 }
            #expect(stoppedAfter == 2)

            var none = 0
            try r.scan(.reg, prefix: b("c")) { _, _ in none += 1; return true }
            try r.scan(.regOwner, prefix: []) { _, _ in none += 1; return true }
            try r.scan(.reg, prefix: [UInt8](repeating: 0x61, count: 600)) { _, _ in none += 1; return true }
            #expect(none == 0)
        }
    }

    static func typedEnablesByUser(_ store: any Store) throws {
        let k1 = EnableKey(user: "a@x", service: "push.x", node: "n1")
        let k2 = EnableKey(user: "a@x", service: "push.y", node: "n0")
        let other = EnableKey(user: "a@xy", service: "push.x", node: "n1")
        let rec = EnableRecord(resource: "phone", publishOptions: [StoredField(name: "secret", values: ["s"])],
                               enabledAt: 1_700_000_000_000)
        try store.write { w throws in
            try w.putEnable(k2, rec)
            try w.putEnable(other, rec)
            try w.putEnable(k1, rec)
            try w.putSummary(k1, .empty)
        }
        try store.read { r throws in
            let mine = try r.enables(ofUser: "a@x")
            #expect(mine.map(\.key) == [k1, k2])
            #expect(mine.allSatisfy { $0.record == rec })
            #expect(try r.enables(ofUser: "a@xy").map(\.key) == [other])
            #expect(try r.enables(ofUser: "a@").isEmpty)
            #expect(try r.enable(k1) == rec)
            #expect(try r.enable(EnableKey(user: "a@x", service: "push.x", node: "n2")) == nil)
            var visited: [EnableKey] = []
            try r.forEachEnable { k, _ in visited.append(k); return true }
            #expect(visited == [k1, k2, other])
            #expect(try r.summary(k1) == .empty)
            #expect(try r.summary(k2) == nil)
        }
        let removed = try store.write { w throws in try w.deleteEnable(k2) }
        #expect(removed)
        try store.read { r throws in #expect(try r.enables(ofUser: "a@x").map(\.key) == [k1]) }
        // A NUL would make the key ambiguous, so it is refused, not stored.
        let bad = EnableKey(user: "a@x\u{0}push.x", service: "n1", node: "")
        try store.write { w throws in
            let e2 = storeError { try w.putEnable(bad, rec) }
            #expect(e2?.kind == .invalidArgument)
        }
        try store.read { r throws in #expect(try r.enable(bad) == nil) }
    }

    static func typedSessionsOptionsSummaries(_ store: any Store) throws {
        let pending = SessionRecord(state: .pending, since: 10, wakeAt: 99)
        let online = SessionRecord(state: .online, since: 5, wakeAt: nil)
        let options = OptionsRecord(includeSenders: true, includeMessageCount: false,
                                    includeSubscriptionCount: true, includeMessageBodies: false)
        let key = EnableKey(user: "u@x", service: "p.x", node: "n")
        var summary = SummaryRecord.empty
        summary.messageCount = 3
        summary.lastSender = "s@y"
        summary.followUpAt = -1
        try store.write { w throws in
            try w.putSession("u@x/b", pending)
            try w.putSession("u@x/a", online)
            try w.putOptions(user: "u@x", options)
            try w.putSummary(key, summary)
        }
        try store.read { r throws in
            #expect(try r.session("u@x/b") == pending)
            #expect(try r.options(ofUser: "u@x") == options)
            #expect(try r.options(ofUser: "v@x") == nil)
            var sessions: [String] = []
            try r.forEachSession { jid, _ in sessions.append(jid); return true }
            #expect(sessions == ["u@x/a", "u@x/b"])
            var summaries: [(EnableKey, SummaryRecord)] = []
            try r.forEachSummary { summaries.append(($0, $1)); return true }
            #expect(summaries.count == 1)
            #expect(summaries.first?.0 == key)
            #expect(summaries.first?.1 == summary)
        }
        let deleted = try store.write { w throws in
            [try w.deleteSession("u@x/a"), try w.deleteOptions(user: "u@x"), try w.deleteSummary(key),
             try w.deleteSummary(key)]
        }
        #expect(deleted == [true, true, true, false])
        try store.read { r throws in
            #expect(try r.session("u@x/a") == nil)
            #expect(try r.count(.session) == 1)
        }
    }

    static func outboxSequenceIsMonotonic(_ store: any Store) throws {
        let job = OutboxRecord(service: "push.x", node: "n", payload: [1, 2, 3], reason: "message", priority: 5,
                               attempts: 0, notBefore: 0, createdAt: 7)
        var seqs: [UInt64] = []
        for _ in 0..<3 {
            seqs.append(try store.write { w throws in try w.appendOutbox(job) })
        }
        #expect(seqs == [1, 2, 3])
        try store.write { w throws in
            var retried = job
            retried.attempts = 1
            try w.putOutbox(2, retried)
            #expect(try w.deleteOutbox(1))
            #expect(try w.deleteOutbox(3))
            #expect(try w.deleteOutbox(3) == false)
        }
        try store.read { r throws in
            var left: [UInt64: UInt32] = [:]
            try r.forEachOutbox { seq, rec in left[seq] = rec.attempts; return true }
            #expect(left == [2: 1])
            #expect(try r.outbox(2)?.payload == [1, 2, 3])
            #expect(try r.outbox(1) == nil)
        }
        try store.write { w throws in #expect(try w.deleteOutbox(2)) }
        // Drained, yet numbers are never reused.
        #expect(try store.write { w throws in try w.appendOutbox(job) } == 4)
    }

    static func outboxScansInNumericOrder(_ store: any Store) throws {
        let job = OutboxRecord(service: "s", node: "n", payload: [], reason: "r", priority: 0,
                               attempts: 0, notBefore: 0, createdAt: 0)
        let seqs: [UInt64] = [256, 1, 255, 1 << 40, 65_536]
        try store.write { w throws in
            for s in seqs { try w.putOutbox(s, job) }
        }
        var order: [UInt64] = []
        try store.read { r throws in try r.forEachOutbox { s, _ in order.append(s); return true } }
        #expect(order == seqs.sorted())
    }

    static func corruptRecordsAreReported(_ store: any Store) throws {
        let key = EnableKey(user: "a@x", service: "p", node: "n")
        try store.write { w throws in
            try w.put(.enable, key.key, [1, 5, 0x61])
            try w.put(.session, b("u@x/r"), [9])
        }
        try store.read { r throws in
            let e = storeError { _ = try r.enable(key) }
            #expect(e == StoreError(.corrupt, "table enable: record truncated at byte 3"))
            let e3 = storeError { try r.forEachEnable { _, _ in true } }
            #expect(e3?.kind == .corrupt)
            let e4 = storeError { _ = try r.enables(ofUser: "a@x") }
            #expect(e4?.kind == .corrupt)
            let s = storeError { try r.forEachSession { _, _ in true } }
            #expect(s?.message == "table session: unknown record format 9 (this Nudge reads 1)")
        }
    }

    static func readerMustNotOutliveItsBody(_ store: any Store) throws {
        let escapedReader = try store.read { r throws in r }
        let e5 = storeError { _ = try escapedReader.get(.reg, b("k")) }
        #expect(e5?.kind == .invalidArgument)
        let escapedWriter = try store.write { w throws in w }
        let e6 = storeError { try escapedWriter.put(.reg, b("k"), b("v")) }
        #expect(e6?.kind == .invalidArgument)
        try store.read { r throws in #expect(try r.get(.reg, b("k")) == nil) }
    }

    /// A snapshot begun before a write does not see it; one begun after does.
    static func readsSeeCommittedDataOnly(_ store: any Store) throws {
        let phase = Atomic<Int>(0)
        let seenInside = Mutex<[UInt8]??>(nil)
        let outcome = Mutex<String?>(nil)
        let thread = TestThread {
            do {
                try store.read { r throws in
                    phase.store(1, ordering: .sequentiallyConsistent)
                    _ = waitUntil { phase.load(ordering: .sequentiallyConsistent) == 2 }
                    let value = try r.get(.reg, b("late"))
                    seenInside.withLock { $0 = .some(value) }
                }
            } catch {
                outcome.withLock { $0 = "\(error)" }
            }
        }
        #expect(waitUntil { phase.load(ordering: .sequentiallyConsistent) == 1 })
        try store.write { w throws in try w.put(.reg, b("late"), b("v")) }
        phase.store(2, ordering: .sequentiallyConsistent)
        thread.join()
        #expect(outcome.withLock { $0 } == nil)
        #expect(seenInside.withLock { $0 } == .some(nil))
        #expect(try store.read { r throws in try r.get(.reg, b("late")) } == b("v"))
    }

    /// A nested body that throws undoes its own writes only; one that
    /// returns joins the enclosing transaction, and commits with it.
    static func nestedBodiesFailAlone(_ store: any Store) throws {
        try store.write { w throws in try w.put(.reg, b("kept"), b("1")) }
        try store.write { w throws in
            try w.put(.reg, b("before"), b("b"))
            let failed = storeError {
                try w.nested { n throws(StoreError) in
                    try n.put(.reg, b("undone"), b("x"))
                    try n.delete(.reg, b("kept"))
                    #expect(try n.get(.reg, b("undone")) == b("x"))
                    throw StoreError(.corrupt, "a record that does not decode")
                }
            }
            #expect(failed?.kind == .corrupt)
            #expect(try w.get(.reg, b("undone")) == nil)
            #expect(try w.get(.reg, b("kept")) == b("1"))
            #expect(try w.get(.reg, b("before")) == b("b"))
            let seen = try w.nested { n throws(StoreError) in
                try n.put(.reg, b("joined"), b("j"))
                return try n.get(.reg, b("before"))   // the nested body sees the enclosing one's writes
            }
            #expect(seen == b("b"))
            #expect(try w.get(.reg, b("joined")) == b("j"))
        }
        try store.read { r throws in
            #expect(try r.get(.reg, b("before")) == b("b"))
            #expect(try r.get(.reg, b("joined")) == b("j"))
            #expect(try r.get(.reg, b("kept")) == b("1"))
            #expect(try r.get(.reg, b("undone")) == nil)
        }
        // Nested writes are undone with the enclosing transaction.
        _ = try? store.write { w throws in
            try w.nested { n throws(StoreError) in try n.put(.reg, b("lost"), b("l")) }
            throw Boom()
        }
        #expect(try store.read { r throws in try r.get(.reg, b("lost")) } == nil)
    }

    /// While a nested body runs, the enclosing transaction refuses calls
    /// (LMDB forbids them), and works again afterwards.
    static func theEnclosingTransactionWaitsForTheNestedOne(_ store: any Store) throws {
        try store.write { w throws in
            try w.nested { _ throws(StoreError) in
                let error = storeError { try w.put(.reg, b("k"), b("v")) }
                #expect(error?.kind == .invalidArgument)
                #expect(error?.message.contains("nested") == true)
            }
            try w.put(.reg, b("k"), b("after"))
        }
        #expect(try store.read { r throws in try r.get(.reg, b("k")) } == b("after"))
    }
}
