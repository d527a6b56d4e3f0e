import Synchronization

/// A store in memory, for sans-IO engine tests: the same semantics as
/// `LMDBStore` (a write whose body throws leaves nothing, reads see
/// committed data only, scans are in key order, the same key limits and
/// the same `meta` entries) without a disk, plus knobs to make writes fail
/// or run twice.
public final class MemoryStore: Store {
    private struct State: Sendable {
        var tables: [Table: MemoryTable] = [:]
        var failNextWrite: StoreError?
        var rerunWrites = false
    }

    private let state = Mutex(State())
    /// Serialises writes, as LMDB does; held across the body, which the
    /// state mutex must not be, so that a body may still call `read`.
    private let writeGate = Mutex(())

    /// An empty store with its schema created, as a new `LMDBStore` has.
    public init() {
        do {
            _ = try write { w in try Schema.prepare(w) }
        } catch {
            preconditionFailure("preparing an empty memory store cannot fail: \(error)")
        }
    }

    /// When set, the next write runs its body and then fails to commit with
    /// this error, storing nothing, as LMDB does when the disk is full at
    /// commit; the knob then clears itself.
    public var failNextWrite: StoreError? {
        get { state.withLock { $0.failNextWrite } }
        set { state.withLock { $0.failNextWrite = newValue } }
    }

    /// When true, every write runs its body twice and keeps only the second
    /// run, as `LMDBStore` does when its map grows mid-write; engine tests
    /// turn it on to catch write bodies with effects outside the store.
    public var rerunWrites: Bool {
        get { state.withLock { $0.rerunWrites } }
        set { state.withLock { $0.rerunWrites = newValue } }
    }

    public func read<R>(_ body: (any StoreReader) throws -> R) throws -> R {
        let reader = MemoryReader(state.withLock { $0.tables })
        defer { reader.end() }
        return try body(reader)
    }

    @discardableResult
    public func write<R>(_ body: (any StoreWriter) throws -> R) throws -> R {
        var result: R?
        try writeGate.withLock { _ throws in
            let (snapshot, runs) = state.withLock { ($0.tables, $0.rerunWrites ? 2 : 1) }
            for run in 1...runs {
                let writer = MemoryWriter(snapshot)
                defer { writer.end() }
                let value = try body(writer)
                // Earlier runs are dropped like an aborted transaction;
                // only the last one commits.
                if run == runs {
                    try commit(writer.tables)
                    result = value
                }
            }
        }
        guard let result else { preconditionFailure("a write ended without a result") }
        return result
    }

    public func stats() throws(StoreError) -> StoreStats {
        state.withLock { s in
            var entries: [Table: Int] = [:]
            var bytes = 0
            for table in Table.allCases {
                let t = s.tables[table, default: MemoryTable()]
                entries[table] = t.count
                bytes += t.byteCount
            }
            return StoreStats(mapSize: 0, usedBytes: bytes, entries: entries)
        }
    }

    private func commit(_ tables: [Table: MemoryTable]) throws(StoreError) {
        try state.withLock { s throws(StoreError) in
            if let failure = s.failNextWrite {
                s.failNextWrite = nil
                throw failure
            }
            s.tables = tables
        }
    }
}
