/// The production store: an LMDB environment in one directory, owned by
/// one process.
///
/// `@unchecked Sendable` because all its state is either immutable or
/// inside `LMDBDatabase`, whose locking is described there.
public final class LMDBStore: OwnedStore, @unchecked Sendable {
    /// The schema version this build creates and reads.
    public static let schemaVersion: UInt32 = Schema.version

    /// What opening the store found.
    public let openReport: OpenReport

    let database: LMDBDatabase

    /// mkdir -p the directory (mode 0700), take an exclusive flock on `<path>/lock` held for the lifetime (→ .locked with message "store <path> is in use by another process"), mdb_env_open the directory with MDB_NOTLS (and MDB_NOSYNC if !durable; maxdbs ≥ 16; maxreaders 510), mdb_reader_check (count of stale readers cleared returned in `openReport`), open every Table as a named DB (MDB_CREATE), then check the schema (below).
    ///
    /// Before LMDB maps the file, `OpenCheck` refuses a lost or damaged
    /// data file (`.corrupt`, naming it); after an unclean shutdown
    /// `verify` runs as well.
    ///
    /// The schema check creates it in a new store, refuses a newer one with
    /// `.schemaTooNew`, migrates an older one in the same write
    /// transaction, and sets the clean-shutdown flag to 0 durably, so that
    /// a crash from here on is noticed by the next open.
    public convenience init(_ options: Options) throws(StoreError) {
        try self.init(options, schemaVersion: Schema.version, migrations: Schema.migrations)
    }

    /// Opens with a given schema version and migrations, so tests can
    /// exercise migrations that this build does not have yet.
    init(_ options: Options, schemaVersion: UInt32, migrations: [UInt32: Schema.Migration]) throws(StoreError) {
        let database = try LMDBDatabase(options)
        let outcome: Schema.Outcome
        do {
            outcome = try database.write { w in
                try Schema.prepare(w, version: schemaVersion, migrations: migrations)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.io, "cannot prepare store \(database.directory): \(error)")
        }
        // After a crash, every record is decoded too, so that one left
        // damaged (by the disk, not by LMDB, whose commits are atomic) is
        // refused here, naming its table, rather than met while serving.
        if outcome.previousShutdownClean == false {
            _ = try database.verify()
        }
        // The marker follows the first durable commit: a crash before it
        // leaves a store without one, which the next open treats as a
        // store from before markers.
        let wroteMarker = database.marker == nil
        if wroteMarker {
            let marker = StoreMarker.fresh()
            try marker.write(database.directory)
            database.marker = marker
        }
        self.database = database
        openReport = OpenReport(staleReadersCleared: database.staleReadersCleared,
                                previousShutdownClean: outcome.previousShutdownClean,
                                schemaCreated: outcome.schemaCreated,
                                migratedFrom: outcome.migratedFrom,
                                markerAdded: wroteMarker && !outcome.schemaCreated)
    }

    /// Walks every page of the store's current snapshot without trusting
    /// the file, then decodes every record. Reads the whole file; runs
    /// alongside writes. Throws `.corrupt` naming the table and page or
    /// entry that is damaged.
    public func verify() throws(StoreError) -> VerifyReport {
        try database.verify()
    }

    /// Verifies, then writes a compacted copy (`mdb_env_copy2` with
    /// MDB_CP_COMPACT) with a marker into `directory`, which must not exist
    /// or be empty, synced to disk; returns the copy's size in bytes.
    public func backup(to directory: String) throws(StoreError) -> Int {
        try database.backup(to: directory)
    }

    // The database's own deinit closes without marking clean.

    public func read<R>(_ body: (any StoreReader) throws -> R) throws -> R {
        try database.read(body)
    }

    @discardableResult
    public func write<R>(_ body: (any StoreWriter) throws -> R) throws -> R {
        try database.write(body)
    }

    public func stats() throws(StoreError) -> StoreStats {
        try database.stats()
    }

    /// Marks the clean-shutdown flag (durable write) and closes the env, releasing the lock. Idempotent. `deinit` closes without marking clean.
    ///
    /// Every later call on the store throws `.invalidArgument`. Callers must
    /// not close while other threads still use the store.
    public func close(markClean: Bool = true) {
        database.close(markClean: markClean)
    }
}
