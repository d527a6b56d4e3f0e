import NudgeStore
import Testing

@Suite("MemoryStore knobs")
struct MemoryStoreTests {
    @Test func failNextWriteRunsTheBodyThenStoresNothingOnce() throws {
        let store = MemoryStore()
        let full = StoreError(.full, code: 28, "cannot write /x/data.mdb: No space left on device")
        store.failNextWrite = full
        var ran = false
        let error = storeError {
            try store.write { w in
                ran = true
                try w.put(.reg, b("k"), b("v"))
            }
        }
        #expect(ran)
        #expect(error == full)
        #expect(store.failNextWrite == nil)
        #expect(try store.read { r in try r.get(.reg, b("k")) } == nil)
        try store.write { w in try w.put(.reg, b("k"), b("v")) }
        #expect(try store.read { r in try r.get(.reg, b("k")) } == b("v"))
    }

    @Test func rerunWritesRunsEveryBodyTwiceAndKeepsOneResult() throws {
        let store = MemoryStore()
        store.rerunWrites = true
        var runs = 0
        let seq = try store.write { w in
            runs += 1
            try w.put(.reg, b("run"), [UInt8(runs)])
            return try w.appendOutbox(OutboxRecord(service: "s", node: "n", payload: [], reason: "r", priority: 0,
                                                   attempts: 0, notBefore: 0, createdAt: 0))
        }
        #expect(runs == 2)
        // Each run starts from the committed state, so the first run's
        // changes are gone, not doubled.
        #expect(seq == 1)
        #expect(try store.read { r in try r.count(.outbox) } == 1)
        // The last run is the one that counts, as with LMDB.
        #expect(try store.read { r in try r.get(.reg, b("run")) } == [2])
    }

    @Test func statsCountEntriesAndBytes() throws {
        let store = MemoryStore()
        try store.write { w in try w.put(.reg, b("key"), b("value")) }
        let stats = try store.stats()
        #expect(stats.entries[.reg] == 1)
        #expect(stats.entries[.enable] == 0)
        #expect(stats.usedBytes >= 8)
    }
}
