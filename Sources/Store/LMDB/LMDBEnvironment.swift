import CLMDB

/// An open `MDB_env` with every `Table` opened as a named database.
///
/// Not thread-safe by itself: `LMDBDatabase` decides who may touch it when.
final class LMDBEnvironment {
    /// The store directory.
    let directory: String
    /// The data file, named in write errors.
    let dataFile: String
    private var env: OpaquePointer?
    private var dbis: [MDB_dbi]

    /// Named databases: one per table, plus room for tables added later
    /// without reopening old stores with a larger setting.
    private static let maxDatabases: UInt32 = 16
    /// LMDB's reader table size. With MDB_NOTLS each concurrent read
    /// transaction takes a slot, whichever thread runs it.
    private static let maxReaders: UInt32 = 510

    /// Opens the environment in `directory`, which must exist.
    init(directory: String, mapSize: Int, durable: Bool) throws(StoreError) {
        self.directory = directory
        dataFile = directory + "/data.mdb"
        dbis = []
        var handle: OpaquePointer?
        var rc = mdb_env_create(&handle)
        guard rc == 0, let handle else {
            throw LMDBError.make(rc, "cannot open store \(directory)")
        }
        env = handle
        var flags = UInt32(MDB_NOTLS)
        if !durable {
            flags |= UInt32(MDB_NOSYNC)
        }
        rc = mdb_env_set_maxdbs(handle, Self.maxDatabases)
        if rc == 0 { rc = mdb_env_set_maxreaders(handle, Self.maxReaders) }
        if rc == 0 { rc = mdb_env_set_mapsize(handle, mapSize) }
        if rc == 0 { rc = mdb_env_open(handle, directory, flags, 0o600) }
        if rc != 0 {
            close()
            throw LMDBError.make(rc, "cannot open store \(directory)")
        }
        do {
            try openDatabases()
        } catch {
            close()
            throw error
        }
    }

    deinit {
        close()
    }

    /// The raw handle; valid until `close`.
    var handle: OpaquePointer {
        guard let env else { preconditionFailure("LMDB environment used after close") }
        return env
    }

    /// The database handle of `table`.
    func dbi(_ table: Table) -> MDB_dbi {
        dbis[Self.index(table)]
    }

    /// The current map size in bytes.
    var mapSize: Int {
        var info = MDB_envinfo()
        mdb_env_info(handle, &info)
        return info.me_mapsize
    }

    /// Bytes of the data file in use as of the last commit.
    var usedBytes: Int {
        var info = MDB_envinfo()
        mdb_env_info(handle, &info)
        var stat = MDB_stat()
        mdb_env_stat(handle, &stat)
        return (info.me_last_pgno + 1) * Int(stat.ms_psize)
    }

    /// Changes the map size. No transaction of this process may be active:
    /// LMDB does not check, it remaps under their feet.
    func setMapSize(_ size: Int) throws(StoreError) {
        let rc = mdb_env_set_mapsize(handle, size)
        if rc != 0 {
            throw LMDBError.make(rc, "cannot grow the map of \(dataFile) to \(size >> 20) MB")
        }
    }

    /// Whether LMDB has marked the environment fatal (MDB_PANIC), which only
    /// shows when a transaction is begun.
    var isPanicked: Bool {
        var txn: OpaquePointer?
        let rc = mdb_txn_begin(handle, nil, UInt32(MDB_RDONLY), &txn)
        if let txn { mdb_txn_abort(txn) }
        return rc == MDB_PANIC
    }

    /// Frees the reader slots of dead processes; returns how many.
    func clearStaleReaders() throws(StoreError) -> Int {
        var dead: Int32 = 0
        let rc = mdb_reader_check(handle, &dead)
        if rc != 0 {
            throw LMDBError.make(rc, "cannot check the readers of store \(directory)")
        }
        return Int(dead)
    }

    /// Closes the environment. Idempotent.
    func close() {
        if let env {
            mdb_env_close(env)
            self.env = nil
        }
    }

    /// A table name damaged on disk would make `mdb_dbi_open` with
    /// MDB_CREATE start that table anew, empty, without a word; so every
    /// name in LMDB's main table must be one of `Table`'s. (The walk at
    /// open has checked the main table's pages, so its cursor is safe.)
    private func refuseUnknownTables(_ txn: OpaquePointer) throws(StoreError) {
        var main: MDB_dbi = 0
        var rc = mdb_dbi_open(txn, nil, 0, &main)
        var cursor: OpaquePointer?
        if rc == 0 { rc = mdb_cursor_open(txn, main, &cursor) }
        guard rc == 0, let cursor else { throw LMDBError.make(rc, "cannot read the tables of store \(directory)") }
        defer { mdb_cursor_close(cursor) }
        var key = MDB_val(), value = MDB_val()
        rc = mdb_cursor_get(cursor, &key, &value, MDB_FIRST)
        while rc == 0 {
            let name = String(decoding: LMDBReader.bytes(key), as: UTF8.self)
            guard Table(rawValue: name) != nil else {
                throw StoreError(.corrupt, """
                    \(dataFile) is damaged: its list of tables names "\(name.prefix(64))", which is not a table of Nudge's \
                    (damaged, or written by a newer Nudge); restore the store from a backup (nudge backup)
                    """)
            }
            rc = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)
        }
        if rc != MDB_NOTFOUND { throw LMDBError.make(rc, "cannot read the tables of store \(directory)") }
    }

    private static func index(_ table: Table) -> Int {
        Table.allCases.firstIndex(of: table)!
    }

    /// Opens (creating if needed) every table in one write transaction;
    /// the handles stay valid for the environment's lifetime.
    private func openDatabases() throws(StoreError) {
        var txn: OpaquePointer?
        var rc = mdb_txn_begin(handle, nil, 0, &txn)
        guard rc == 0, let txn else {
            throw LMDBError.make(rc, "cannot open the tables of store \(directory)")
        }
        do {
            try refuseUnknownTables(txn)
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
        var opened: [MDB_dbi] = []
        for table in Table.allCases {
            var dbi: MDB_dbi = 0
            rc = mdb_dbi_open(txn, table.rawValue, UInt32(MDB_CREATE), &dbi)
            if rc != 0 {
                mdb_txn_abort(txn)
                throw LMDBError.make(rc, "cannot open table \(table.rawValue) of store \(directory)")
            }
            opened.append(dbi)
        }
        rc = mdb_txn_commit(txn)
        if rc != 0 {
            throw LMDBError.make(rc, "cannot write \(dataFile)")
        }
        dbis = opened
    }
}
