import Glibc
import NudgeStore
import Testing

@Suite("LMDB disk full")
struct DiskFullTests {
    static func key(_ batch: Int, _ i: Int) -> [UInt8] {
        MapGrowthTests.key(batch, i)
    }

    static func putBatch(_ store: LMDBStore, _ batch: Int) throws {
        try store.write { w in
            for i in 0..<20 {
                try w.put(.reg, key(batch, i), MapGrowthTests.value(batch, i))
            }
        }
    }

    @Test(.enabled(if: Tmpfs.isAvailable, "needs root (CAP_SYS_ADMIN) to mount a 1 MB tmpfs"))
    func aFullDiskFailsTheWriteAndLeavesTheStoreUsable() throws {
        try withTempDir { dir in
            try Tmpfs.with(size: "1m", at: dir) {
                // Another file on the same disk, removed later to free space
                // the way an operator would.
                let ballast = dir + "/ballast"
                let fd = open(ballast, O_CREAT | O_WRONLY, 0o600)
                let chunk = [UInt8](repeating: 7, count: 128 << 10)
                #expect(write(fd, chunk, chunk.count) == chunk.count)
                close(fd)

                let path = dir + "/store"
                // A map larger than the disk, so the disk fills first.
                let store = try LMDBStore(testOptions(path, mapSizeMB: 8, durable: true))
                var committed = 0
                var failure: StoreError?
                for batch in 0..<200 {
                    do {
                        try Self.putBatch(store, batch)
                        committed += 1
                    } catch let error as StoreError {
                        failure = error
                        break
                    }
                }
                #expect(failure?.kind == .full)
                #expect(failure?.code == ENOSPC)
                #expect(failure?.message.hasPrefix("cannot write \(path)/data.mdb: No space left on device") == true)
                #expect(committed > 5)

                // Everything committed before is there; the failed batch is not.
                try store.read { r throws in
                    #expect(try r.count(.reg) == committed * 20)
                    #expect(try r.get(.reg, Self.key(committed - 1, 19)) == MapGrowthTests.value(committed - 1, 19))
                    #expect(try r.get(.reg, Self.key(committed, 0)) == nil)
                }
                // Still full: still refused, still unchanged.
                #expect(storeError { try Self.putBatch(store, committed) }?.kind == .full)
                #expect(try store.read { r in try r.count(.reg) } == committed * 20)

                // Space freed outside the store: the write goes through.
                #expect(unlink(ballast) == 0)
                try Self.putBatch(store, committed)

                // Deleting records makes room inside the store too.
                for batch in 0..<committed / 2 {
                    try store.write { w in
                        for i in 0..<20 { try w.delete(.reg, Self.key(batch, i)) }
                    }
                }
                try Self.putBatch(store, 1_000)
                store.close()

                let reopened = try LMDBStore(testOptions(path, mapSizeMB: 8, durable: true))
                defer { reopened.close() }
                #expect(reopened.openReport.previousShutdownClean == true)
                try reopened.read { r throws in
                    #expect(try r.count(.reg) == (committed + 1 - committed / 2) * 20 + 20)
                    #expect(try r.get(.reg, Self.key(1_000, 19)) == MapGrowthTests.value(1_000, 19))
                    #expect(try r.get(.reg, Self.key(committed, 0)) == MapGrowthTests.value(committed, 0))
                }
            }
        }
    }
}
