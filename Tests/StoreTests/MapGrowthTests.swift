import NudgeStore
import Testing

@Suite("LMDB map growth")
struct MapGrowthTests {
    /// A kilobyte value that says which batch and index it belongs to.
    static func value(_ batch: Int, _ i: Int) -> [UInt8] {
        var w = ByteWriter()
        w.writeUInt32BE(UInt32(batch))
        w.writeUInt32BE(UInt32(i))
        return w.bytes + [UInt8](repeating: UInt8(truncatingIfNeeded: batch &+ i), count: 1016)
    }

    static func key(_ batch: Int, _ i: Int) -> [UInt8] {
        var w = ByteWriter()
        w.writeUInt32BE(UInt32(batch))
        w.writeUInt32BE(UInt32(i))
        return w.bytes
    }

    @Test func theMapGrowsToHoldTwentyMegabytes() throws {
        try withTempDir { dir in
            let store = try LMDBStore(testOptions(dir, mapSizeMB: 1))
            #expect(try store.stats().mapSize == 1 << 20)
            var runs = 0
            for batch in 0..<10 {
                try store.write { w in
                    runs += 1
                    for i in 0..<2_000 {
                        try w.put(.reg, Self.key(batch, i), Self.value(batch, i))
                    }
                }
            }
            // Growth re-ran bodies: a 2 MB batch cannot fit a 1 MB map.
            #expect(runs > 10)
            let stats = try store.stats()
            #expect(stats.mapSize >= 32 << 20)
            #expect(stats.usedBytes > 20 << 20)
            #expect(stats.usedBytes <= stats.mapSize)
            #expect(stats.entries[.reg] == 20_000)
            store.close()

            let reopened = try LMDBStore(testOptions(dir, mapSizeMB: 1))
            defer { reopened.close() }
            try reopened.read { r throws in
                #expect(try r.count(.reg) == 20_000)
                #expect(try r.get(.reg, Self.key(0, 0)) == Self.value(0, 0))
                #expect(try r.get(.reg, Self.key(9, 1_999)) == Self.value(9, 1_999))
            }
        }
    }

    @Test func theMaximumSizeIsAHardLimitThatLosesNothing() throws {
        try withTempDir { dir in
            let store = try LMDBStore(testOptions(dir, mapSizeMB: 1, maxMapSizeMB: 2))
            defer { store.close() }
            var committed = 0
            var failure: StoreError?
            for batch in 0..<100 {
                do {
                    try store.write { w in
                        for i in 0..<100 {
                            try w.put(.reg, Self.key(batch, i), Self.value(batch, i))
                        }
                    }
                    committed += 1
                } catch let error as StoreError {
                    failure = error
                    break
                }
            }
            #expect(failure?.kind == .full)
            #expect(failure?.message == "store reached its maximum size of 2 MB (store.max_map_size_mb)")
            #expect(committed > 5)
            #expect(try store.stats().mapSize == 2 << 20)
            try store.read { r throws in
                #expect(try r.count(.reg) == committed * 100)
                for batch in 0..<committed {
                    #expect(try r.get(.reg, Self.key(batch, 99)) == Self.value(batch, 99))
                }
                #expect(try r.get(.reg, Self.key(committed, 0)) == nil)
            }
            // Making room makes the store writable again.
            try store.write { w in
                for i in 0..<100 { try w.delete(.reg, Self.key(0, i)) }
            }
            try store.write { w in try w.put(.reg, b("after"), Self.value(0, 0)) }
            #expect(try store.read { r in try r.get(.reg, b("after")) } == Self.value(0, 0))
        }
    }

    @Test func aBodyThatSwallowsMapFullStillGetsRoom() throws {
        try withTempDir { dir in
            let store = try LMDBStore(testOptions(dir, mapSizeMB: 1))
            defer { store.close() }
            var swallowed = 0
            try store.write { w in
                for i in 0..<3_000 {
                    do {
                        try w.put(.reg, Self.key(0, i), Self.value(0, i))
                    } catch {
                        swallowed += 1
                    }
                }
            }
            #expect(swallowed > 0)
            #expect(try store.read { r in try r.count(.reg) } == 3_000)
        }
    }

    /// A full map inside a nested body fails the whole write, which runs
    /// again with more room: growth must not be mistaken for a failure of
    /// the nested body alone.
    @Test func aFullMapInANestedBodyGrowsTheMap() throws {
        try withTempDir { dir in
            let store = try LMDBStore(testOptions(dir, mapSizeMB: 1))
            defer { store.close() }
            var runs = 0
            try store.write { w in
                runs += 1
                for batch in 0..<4 {
                    try w.nested { n throws(StoreError) in
                        for i in 0..<1_000 { try n.put(.reg, Self.key(batch, i), Self.value(batch, i)) }
                    }
                }
            }
            #expect(runs > 1)
            #expect(try store.read { r in try r.count(.reg) } == 4_000)
        }
    }
}
