/// Read access to one consistent snapshot of the store.
///
/// A reader is valid only inside the `read` or `write` body it was handed
/// to; using it afterwards throws `.invalidArgument`.
public protocol StoreReader {
    /// The value stored under `key`, or nil (also for a key no store could
    /// hold: empty or longer than `StoreLimits.maxKeyBytes`).
    func get(_ table: Table, _ key: [UInt8]) throws(StoreError) -> [UInt8]?
    /// Visits entries whose key starts with `prefix` in key order until `visit` returns false.
    func scan(_ table: Table, prefix: [UInt8], _ visit: ([UInt8], [UInt8]) -> Bool) throws(StoreError)
    /// The number of entries in `table`.
    func count(_ table: Table) throws(StoreError) -> Int
}

/// Write access inside one transaction; reads see the transaction's own
/// changes.
public protocol StoreWriter: StoreReader {
    /// Stores `value` under `key`, replacing any previous value. An empty
    /// key, or one longer than `StoreLimits.maxKeyBytes`, is refused with
    /// `.invalidArgument` without spoiling the transaction.
    func put(_ table: Table, _ key: [UInt8], _ value: [UInt8]) throws(StoreError)
    /// Removes `key`; returns whether it was there.
    @discardableResult func delete(_ table: Table, _ key: [UInt8]) throws(StoreError) -> Bool
    /// Runs `body` in a transaction nested in this one. When `body` throws,
    /// its changes are undone and this transaction holds only what was
    /// written before; when it returns, its changes join this transaction
    /// and are committed (or not) with it. This transaction must not be
    /// used while `body` runs. How one input of a group commit fails alone.
    func nested<R>(_ body: (any StoreWriter) throws(StoreError) -> R) throws(StoreError) -> R
    /// Takes the outbox job under `key` for this engine, for as long as it
    /// lives, where several engines share the store: false when another
    /// engine that is alive holds it (or it is gone), and then this engine
    /// must not deliver it. A store only one engine opens (LMDB, memory)
    /// always answers true. The claim commits, or not, with the
    /// transaction.
    func claimOutbox(_ key: [UInt8]) throws(StoreError) -> Bool
    /// The next outbox sequence number, never handed out before (a
    /// transaction that is rolled back may leave a gap). LMDB and memory:
    /// the `meta` counter (`metaOutboxSequence`); PostgreSQL: a sequence,
    /// so that nodes appending at once do not conflict on one row.
    func nextOutboxSequence() throws(StoreError) -> UInt64
}

/// Sizes of a store, for `nudge_stats_json` and for tests.
public struct StoreStats: Sendable {
    /// Bytes of address space reserved for the data file.
    public var mapSize: Int
    /// Bytes of the data file in use.
    public var usedBytes: Int
    /// Entries per table.
    public var entries: [Table: Int]

    /// Creates statistics.
    public init(mapSize: Int, usedBytes: Int, entries: [Table: Int]) {
        self.mapSize = mapSize
        self.usedBytes = usedBytes
        self.entries = entries
    }
}

/// Limits every store enforces, so that code tested against `MemoryStore`
/// behaves the same on LMDB.
public enum StoreLimits {
    /// The longest key, in bytes: LMDB's compile-time `MDB_MAXKEYSIZE`
    /// default. Empty keys are refused too.
    public static let maxKeyBytes = 511

    static func check(_ key: [UInt8], _ table: Table) throws(StoreError) {
        if key.isEmpty {
            throw StoreError(.invalidArgument, "table \(table.rawValue): empty key")
        }
        if key.count > maxKeyBytes {
            throw StoreError(.invalidArgument,
                             "table \(table.rawValue): key of \(key.count) bytes exceeds the limit of \(maxKeyBytes)")
        }
    }
}

/// A transactional key-value store of `Table`s.
public protocol Store: AnyObject, Sendable {
    /// A read-only snapshot (LMDB: MDB_RDONLY txn in an env opened with MDB_NOTLS, so any thread may read, many at once).
    ///
    /// The body must not call `read` or `write` on the same store: a nested
    /// call can deadlock against a map growth waiting for the outer one.
    func read<R>(_ body: (any StoreReader) throws -> R) throws -> R

    /// One write transaction, committed durably before returning. The body may be run MORE THAN ONCE: when LMDB reports MDB_MAP_FULL (at put or at commit) the txn is aborted, the map grown (doubled, capped at maxMapSize) and the body re-run; so the body must only touch the store. Errors the body throws abort the txn and are rethrown unchanged. Store failures are StoreError (disk full → .full, and the store is unchanged).
    ///
    /// A store failure met inside the body fails the whole write even if
    /// the body catches it, because the transaction can no longer commit
    /// what the body meant.
    @discardableResult
    func write<R>(_ body: (any StoreWriter) throws -> R) throws -> R

    /// Map size, bytes in use and entries per table.
    func stats() throws(StoreError) -> StoreStats
}

/// A store the engine opens from its configuration and closes at the end:
/// LMDB or PostgreSQL.
public protocol OwnedStore: Store {
    /// What opening the store found.
    var openReport: OpenReport { get }
    /// Decodes every record of one snapshot (`nudge_admin` verify).
    func verify() throws(StoreError) -> VerifyReport
    /// Optionally records a clean shutdown, then releases the store.
    /// Idempotent; later calls throw `.invalidArgument`.
    func close(markClean: Bool)
}
