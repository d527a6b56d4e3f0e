import NudgeStore
import Synchronization
import Testing

@Suite("LMDB concurrency")
struct ConcurrencyTests {
    static let perGeneration = 100

    static func key(_ generation: Int, _ i: Int) -> [UInt8] {
        MapGrowthTests.key(generation, i)
    }

    static func value(_ generation: Int) -> [UInt8] {
        var w = ByteWriter()
        w.writeUInt32BE(UInt32(generation))
        return w.bytes + [UInt8](repeating: UInt8(truncatingIfNeeded: generation), count: 2_044)
    }

    /// One snapshot must hold whole generations only: the count matches
    /// the generation number in `meta`, and the latest generation is
    /// complete and intact.
    static func checkSnapshot(_ r: any StoreReader) throws -> String? {
        guard let raw = try r.get(.meta, b("gen")) else {
            return try r.count(.reg) == 0 ? nil : "entries without a generation"
        }
        var reader = ByteReader(raw, table: .meta)
        let generation = Int(try reader.readUInt32BE())
        let count = try r.count(.reg)
        if count != (generation + 1) * perGeneration {
            return "generation \(generation) with \(count) entries"
        }
        var seen = 0
        var bad = 0
        try r.scan(.reg, prefix: Array(key(generation, 0).prefix(4))) { _, v in
            seen += 1
            if v != value(generation) { bad += 1 }
            return true
        }
        return seen == perGeneration && bad == 0 ? nil : "generation \(generation): \(seen) seen, \(bad) bad"
    }

    @Test func readersOnOtherThreadsSeeConsistentSnapshotsWhileTheMapGrows() throws {
        try withTempDir { dir in
            let store = try LMDBStore(testOptions(dir, mapSizeMB: 1))
            defer { store.close() }
            let done = Atomic<Bool>(false)
            let reads = Atomic<Int>(0)
            let problems = Mutex<[String]>([])
            let readers = (0..<2).map { _ in
                TestThread {
                    while !done.load(ordering: .acquiring) {
                        do {
                            if let problem = try store.read(Self.checkSnapshot) {
                                problems.withLock { $0.append(problem) }
                            }
                            reads.add(1, ordering: .relaxed)
                        } catch {
                            problems.withLock { $0.append("\(error)") }
                        }
                    }
                }
            }
            // Both readers are running before the first write.
            #expect(waitUntil { reads.load(ordering: .relaxed) >= 2 })
            let startMap = try store.stats().mapSize
            var runs = 0
            for generation in 0..<40 {
                let before = reads.load(ordering: .relaxed)
                try store.write { w in
                    runs += 1
                    for i in 0..<Self.perGeneration {
                        try w.put(.reg, Self.key(generation, i), Self.value(generation))
                    }
                    var g = ByteWriter()
                    g.writeUInt32BE(UInt32(generation))
                    try w.put(.meta, b("gen"), g.bytes)
                }
                // Every generation is seen by at least one snapshot.
                #expect(waitUntil { reads.load(ordering: .relaxed) > before })
            }
            let readsDuringWrites = reads.load(ordering: .relaxed)
            done.store(true, ordering: .releasing)
            for reader in readers { reader.join() }

            #expect(problems.withLock { $0 } == [])
            #expect(readsDuringWrites >= 42)
            #expect(runs > 40)
            #expect(try store.stats().mapSize > startMap)
            #expect(try store.read(Self.checkSnapshot) == nil)
        }
    }
}
