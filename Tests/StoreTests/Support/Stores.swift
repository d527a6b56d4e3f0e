import NudgeStore
import Testing

/// The implementations, for tests that must pass on each.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case lmdb
    case memory
    /// On the server of `PostgreSQLServer`; skipped without one.
    case postgresql

    var testDescription: String { rawValue }
}

/// Runs `body` with a fresh store of `kind`, closing it afterwards.
func withStore<R>(_ kind: StoreKind, _ body: (any Store) throws -> R) throws -> R {
    switch kind {
    case .memory:
        return try body(MemoryStore())
    case .lmdb:
        return try withTempDir { dir in
            let store = try LMDBStore(testOptions(dir))
            defer { store.close() }
            return try body(store)
        }
    case .postgresql:
        return try PostgreSQLServer.withStore(body)
    }
}

/// Options for a test store in `dir`: not synced, since a test process
/// that crashes loses its temp dir anyway.
func testOptions(_ dir: String, mapSizeMB: Int = 64, maxMapSizeMB: Int = 65_536, durable: Bool = false)
    -> LMDBStore.Options {
    var o = LMDBStore.Options(path: dir)
    o.mapSizeMB = mapSizeMB
    o.maxMapSizeMB = maxMapSizeMB
    o.durable = durable
    return o
}

/// The StoreError `body` throws, or nil if it throws none or another error.
func storeError(_ body: () throws -> Void) -> StoreError? {
    do {
        try body()
        return nil
    } catch let error as StoreError {
        return error
    } catch {
        return nil
    }
}

/// The UTF-8 bytes of `s`, for raw keys.
func b(_ s: String) -> [UInt8] { Array(s.utf8) }
