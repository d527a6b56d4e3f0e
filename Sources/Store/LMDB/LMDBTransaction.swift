import CLMDB
import Glibc

/// A read-only LMDB transaction seen as a `StoreReader`.
///
/// Handed to one `read` or `write` body; once the transaction ends every
/// call throws, so a reader that escaped its body cannot touch freed
/// memory.
class LMDBReader: StoreReader {
    let environment: LMDBEnvironment
    private(set) var txn: OpaquePointer?
    /// The first LMDB failure inside a write transaction. LMDB marks the
    /// transaction as failed after it, so every later call repeats it.
    var failure: StoreError?

    /// Set while a nested transaction runs: LMDB forbids using its parent
    /// meanwhile, so calls on the parent throw instead.
    var suspended = false

    /// Begins a transaction; `parent`: a write transaction to nest in.
    init(_ environment: LMDBEnvironment, readOnly: Bool, parent: OpaquePointer? = nil) throws(StoreError) {
        self.environment = environment
        var txn: OpaquePointer?
        let rc = mdb_txn_begin(environment.handle, parent, readOnly ? UInt32(MDB_RDONLY) : 0, &txn)
        guard rc == 0, let txn else {
            let kind = readOnly ? "read" : parent == nil ? "write" : "nested write"
            throw LMDBError.make(rc, "cannot begin a \(kind) transaction on store \(environment.directory)")
        }
        self.txn = txn
    }

    deinit {
        abort()
    }

    /// Ends the transaction without committing. Idempotent.
    func abort() {
        if let txn {
            mdb_txn_abort(txn)
            self.txn = nil
        }
    }

    /// Commits; the transaction has ended whatever the result, because
    /// `mdb_txn_commit` frees it even when it fails. Returns LMDB's code.
    func commit() -> Int32 {
        guard let txn else { return EINVAL }
        self.txn = nil
        return mdb_txn_commit(txn)
    }

    /// The live transaction, or the reason there is none.
    func live() throws(StoreError) -> OpaquePointer {
        if let failure { throw failure }
        if suspended {
            throw StoreError(.invalidArgument, "the transaction is in use by a nested one; use the writer the nested body was given")
        }
        guard let txn else {
            throw StoreError(.invalidArgument, "the transaction has ended; a reader or writer must not outlive its body")
        }
        return txn
    }

    /// Records and returns the failure `rc`, so that a body catching it
    /// cannot commit a transaction LMDB has given up on.
    func fail(_ rc: Int32, _ context: String) -> StoreError {
        let error = LMDBError.make(rc, context)
        failure = error
        return error
    }

    func get(_ table: Table, _ key: [UInt8]) throws(StoreError) -> [UInt8]? {
        let txn = try live()
        guard isStorable(key) else { return nil }
        var value = MDB_val()
        let rc = key.withUnsafeBytes { k in
            var mk = MDB_val(mv_size: k.count, mv_data: UnsafeMutableRawPointer(mutating: k.baseAddress))
            return mdb_get(txn, environment.dbi(table), &mk, &value)
        }
        if rc == MDB_NOTFOUND { return nil }
        if rc != 0 { throw readFailure(rc, table) }
        return Self.bytes(value)
    }

    func scan(_ table: Table, prefix: [UInt8], _ visit: ([UInt8], [UInt8]) -> Bool) throws(StoreError) {
        let txn = try live()
        // No stored key is longer than the limit, so neither is a prefix
        // that matches one; LMDB would refuse to position on it anyway.
        guard prefix.count <= StoreLimits.maxKeyBytes else { return }
        var cursor: OpaquePointer?
        var rc = mdb_cursor_open(txn, environment.dbi(table), &cursor)
        guard rc == 0, let cursor else { throw readFailure(rc, table) }
        defer { mdb_cursor_close(cursor) }
        var key = MDB_val()
        var value = MDB_val()
        if prefix.isEmpty {
            rc = mdb_cursor_get(cursor, &key, &value, MDB_FIRST)
        } else {
            rc = prefix.withUnsafeBytes { p in
                key = MDB_val(mv_size: p.count, mv_data: UnsafeMutableRawPointer(mutating: p.baseAddress))
                return mdb_cursor_get(cursor, &key, &value, MDB_SET_RANGE)
            }
        }
        while rc == 0 {
            let k = Self.bytes(key)
            guard k.starts(with: prefix), visit(k, Self.bytes(value)) else { return }
            rc = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)
        }
        if rc != MDB_NOTFOUND { throw readFailure(rc, table) }
    }

    func count(_ table: Table) throws(StoreError) -> Int {
        let txn = try live()
        var stat = MDB_stat()
        let rc = mdb_stat(txn, environment.dbi(table), &stat)
        if rc != 0 { throw readFailure(rc, table) }
        return stat.ms_entries
    }

    /// Whether `key` could be stored; keys that could not are never found.
    func isStorable(_ key: [UInt8]) -> Bool {
        !key.isEmpty && key.count <= StoreLimits.maxKeyBytes
    }

    private func readFailure(_ rc: Int32, _ table: Table) -> StoreError {
        LMDBError.make(rc, "cannot read table \(table.rawValue) of \(environment.dataFile)")
    }

    /// Copies out of the map: LMDB's pointers die with the transaction.
    static func bytes(_ v: MDB_val) -> [UInt8] {
        guard v.mv_size > 0, let data = v.mv_data else { return [] }
        return Array(UnsafeRawBufferPointer(start: data, count: v.mv_size))
    }
}

/// A write transaction seen as a `StoreWriter`.
final class LMDBWriter: LMDBReader, StoreWriter {
    init(_ environment: LMDBEnvironment, parent: OpaquePointer? = nil) throws(StoreError) {
        try super.init(environment, readOnly: false, parent: parent)
    }

    func nextOutboxSequence() throws(StoreError) -> UInt64 {
        try metaOutboxSequence()
    }

    /// One engine per store: every job is this engine's.
    func claimOutbox(_ key: [UInt8]) throws(StoreError) -> Bool {
        _ = try live()
        return true
    }

    func nested<R>(_ body: (any StoreWriter) throws(StoreError) -> R) throws(StoreError) -> R {
        let child = try LMDBWriter(environment, parent: try live())
        suspended = true
        defer { suspended = false }
        let result: R
        do { result = try body(child) } catch {
            child.abort()
            // LMDB's own failures (a full map, I/O) fail the whole write, so
            // that the store can grow the map and run it again; a record
            // that does not decode fails this nested body alone.
            if let failure = child.failure { self.failure = failure }
            throw error
        }
        if let failure = child.failure {
            child.abort()
            self.failure = failure
            throw failure
        }
        // A child's commit only merges its pages into the parent; it fails
        // only without memory, which leaves the parent unusable too.
        let rc = child.commit()
        if rc != 0 { throw fail(rc, "cannot merge a nested transaction on \(environment.dataFile)") }
        return result
    }

    func put(_ table: Table, _ key: [UInt8], _ value: [UInt8]) throws(StoreError) {
        let txn = try live()
        try StoreLimits.check(key, table)
        let rc = key.withUnsafeBytes { k in
            value.withUnsafeBytes { v in
                var mk = MDB_val(mv_size: k.count, mv_data: UnsafeMutableRawPointer(mutating: k.baseAddress))
                var mv = MDB_val(mv_size: v.count, mv_data: UnsafeMutableRawPointer(mutating: v.baseAddress))
                return mdb_put(txn, environment.dbi(table), &mk, &mv, 0)
            }
        }
        if rc != 0 {
            throw fail(rc, "cannot write table \(table.rawValue) of \(environment.dataFile)")
        }
    }

    @discardableResult
    func delete(_ table: Table, _ key: [UInt8]) throws(StoreError) -> Bool {
        let txn = try live()
        guard isStorable(key) else { return false }
        let rc = key.withUnsafeBytes { k in
            var mk = MDB_val(mv_size: k.count, mv_data: UnsafeMutableRawPointer(mutating: k.baseAddress))
            return mdb_del(txn, environment.dbi(table), &mk, nil)
        }
        if rc == MDB_NOTFOUND { return false }
        if rc != 0 {
            throw fail(rc, "cannot write table \(table.rawValue) of \(environment.dataFile)")
        }
        return true
    }
}
