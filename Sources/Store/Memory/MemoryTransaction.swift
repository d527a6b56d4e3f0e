/// A snapshot of a `MemoryStore`'s tables seen as a `StoreReader`.
///
/// Like an LMDB transaction it refuses to be used after its body returns,
/// so engine code that lets one escape fails in tests too.
class MemoryReader: StoreReader {
    var tables: [Table: MemoryTable]
    private var ended = false
    /// Set while a nested transaction runs, as for LMDB.
    var suspended = false

    init(_ tables: [Table: MemoryTable]) {
        self.tables = tables
    }

    func end() {
        ended = true
    }

    func live() throws(StoreError) {
        if ended {
            throw StoreError(.invalidArgument, "the transaction has ended; a reader or writer must not outlive its body")
        }
        if suspended {
            throw StoreError(.invalidArgument, "the transaction is in use by a nested one; use the writer the nested body was given")
        }
    }

    func get(_ table: Table, _ key: [UInt8]) throws(StoreError) -> [UInt8]? {
        try live()
        return tables[table, default: MemoryTable()].get(key)
    }

    func scan(_ table: Table, prefix: [UInt8], _ visit: ([UInt8], [UInt8]) -> Bool) throws(StoreError) {
        try live()
        tables[table, default: MemoryTable()].scan(prefix: prefix, visit)
    }

    func count(_ table: Table) throws(StoreError) -> Int {
        try live()
        return tables[table, default: MemoryTable()].count
    }
}

/// A working copy of a `MemoryStore`'s tables seen as a `StoreWriter`;
/// the store installs it only if the body succeeds.
final class MemoryWriter: MemoryReader, StoreWriter {
    func put(_ table: Table, _ key: [UInt8], _ value: [UInt8]) throws(StoreError) {
        try live()
        try StoreLimits.check(key, table)
        tables[table, default: MemoryTable()].put(key, value)
    }

    @discardableResult
    func delete(_ table: Table, _ key: [UInt8]) throws(StoreError) -> Bool {
        try live()
        return tables[table, default: MemoryTable()].delete(key)
    }

    /// A working copy of this one's tables, kept only if `body` returns.
    func nextOutboxSequence() throws(StoreError) -> UInt64 {
        try metaOutboxSequence()
    }

    /// One engine per store: every job is this engine's.
    func claimOutbox(_ key: [UInt8]) throws(StoreError) -> Bool {
        try live()
        return true
    }

    func nested<R>(_ body: (any StoreWriter) throws(StoreError) -> R) throws(StoreError) -> R {
        try live()
        let child = MemoryWriter(tables)
        suspended = true
        defer { suspended = false; child.end() }
        let result = try body(child)
        tables = child.tables
        return result
    }
}
