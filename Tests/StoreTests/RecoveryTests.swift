@testable import NudgeStore
import Testing

/// The reopen that follows an LMDB panic, driven directly: a real panic
/// needs a failing meta-page write, which no test filesystem here gives.
@Suite("LMDB recovery")
struct RecoveryTests {
    @Test func reopeningKeepsDataMapSizeLockAndService() throws {
        try withTempDir { dir in
            let store = try LMDBStore(testOptions(dir, mapSizeMB: 1))
            defer { store.close() }
            try store.write { w in
                for i in 0..<1_500 {
                    try w.put(.reg, MapGrowthTests.key(0, i), MapGrowthTests.value(0, i))
                }
            }
            let grown = try store.stats().mapSize
            #expect(grown > 1 << 20)

            try store.database.reopen()

            #expect(try store.stats().mapSize == grown)
            #expect(try store.read { r in try r.count(.reg) } == 1_500)
            try store.write { w in try w.put(.reg, b("after"), b("reopen")) }
            #expect(try store.read { r in try r.get(.reg, b("after")) } == b("reopen"))
            #expect(storeError { _ = try LMDBStore(testOptions(dir)) }?.kind == .locked)
        }
    }
}
