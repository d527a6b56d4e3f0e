import CLMDB
import Glibc

/// The transactional machinery behind `LMDBStore`: who may use the
/// environment when, the map-growth retry loop, and shutdown.
///
/// Locking, always taken in this order:
/// - `writeGate` serialises write transactions (and close). LMDB would
///   serialise them too, but blocking inside LMDB's process-shared mutex
///   would hide a second writer thread instead of merely ordering it.
/// - `mapLock` is held shared by every live transaction, read or write,
///   and exclusively to change the map size or close, because
///   `mdb_env_set_mapsize` requires that no transaction of this process be
///   active and `mdb_env_close` frees what transactions point into.
///
/// `@unchecked Sendable`: the mutable state (`environment`, `unusable`,
/// `storeLock`) changes only under `writeGate` plus `mapLock` held
/// exclusively, and is read only under one of them, so no thread sees it
/// change mid-use. The
/// LMDB handle itself is safe to share because the environment is opened
/// with MDB_NOTLS (read transactions are not tied to threads) and each
/// transaction object stays inside the one call that created it.
final class LMDBDatabase: @unchecked Sendable {
    let directory: String
    let maxMapSize: Int
    private let maxMapSizeMB: Int
    private let durable: Bool
    private var environment: LMDBEnvironment?
    /// Why there is no environment although the store was not closed: a
    /// reopen after an LMDB panic failed.
    private var unusable: StoreError?
    private var storeLock: StoreLock?
    private let writeGate = PosixMutex()
    private let mapLock = ReadWriteLock()
    /// Reader slots of dead processes freed at open.
    let staleReadersCleared: Int
    /// The marker found at open; nil for a new store or one from before
    /// markers, until `LMDBStore` has written one.
    var marker: StoreMarker?

    init(_ options: LMDBStore.Options) throws(StoreError) {
        guard !options.path.isEmpty else {
            throw StoreError(.invalidArgument, "store.path: must not be empty")
        }
        guard options.mapSizeMB >= 1 else {
            throw StoreError(.invalidArgument, "store.map_size_mb: must be at least 1, got \(options.mapSizeMB)")
        }
        guard options.maxMapSizeMB >= options.mapSizeMB, options.maxMapSizeMB <= Int.max >> 21 else {
            throw StoreError(.invalidArgument,
                             "store.max_map_size_mb: must be between store.map_size_mb (\(options.mapSizeMB)) and \(Int.max >> 21), got \(options.maxMapSizeMB)")
        }
        directory = StoreDirectory.normalize(options.path)
        maxMapSizeMB = options.maxMapSizeMB
        maxMapSize = options.maxMapSizeMB << 20
        durable = options.durable
        try StoreDirectory.create(directory)
        let storeLock = try StoreLock(directory: directory)
        marker = try OpenCheck.run(directory)
        let environment = try LMDBEnvironment(directory: directory, mapSize: options.mapSizeMB << 20,
                                              durable: options.durable)
        staleReadersCleared = try environment.clearStaleReaders()
        self.storeLock = storeLock
        self.environment = environment
    }

    deinit {
        // Not a clean shutdown: whoever dropped the store without closing
        // it may have been mid-way through something.
        close(markClean: false)
    }

    func read<R>(_ body: (any StoreReader) throws -> R) throws -> R {
        try mapLock.withReadLock { () throws -> R in
            let reader = try LMDBReader(try live(), readOnly: true)
            defer { reader.abort() }
            return try body(reader)
        }
    }

    @discardableResult
    func write<R>(_ body: (any StoreWriter) throws -> R) throws -> R {
        try writeGate.withLock { () throws -> R in try writeHoldingGate(body) }
    }

    func stats() throws(StoreError) -> StoreStats {
        try mapLock.withReadLock { () throws(StoreError) -> StoreStats in
            let environment = try live()
            let reader = try LMDBReader(environment, readOnly: true)
            defer { reader.abort() }
            var entries: [Table: Int] = [:]
            for table in Table.allCases {
                entries[table] = try reader.count(table)
            }
            return StoreStats(mapSize: environment.mapSize, usedBytes: environment.usedBytes, entries: entries)
        }
    }

    /// Runs `body` on the live environment, which stays open (and its map
    /// unchanged) until it returns; for verify and backup.
    func withEnvironment<R>(_ body: (LMDBEnvironment) throws(StoreError) -> R) throws(StoreError) -> R {
        try mapLock.withReadLock { () throws(StoreError) -> R in try body(try live()) }
    }

    /// Optionally records a clean shutdown, then closes the environment
    /// and releases the store lock. Idempotent.
    func close(markClean: Bool) {
        writeGate.withLock {
            guard storeLock != nil else { return }
            if markClean && environment != nil {
                // A failure here (a full disk) leaves the flag at 0, which
                // only makes the next open more careful; close must not fail.
                _ = try? writeHoldingGate { w in try Schema.markClean(w) }
            }
            mapLock.withWriteLock {
                environment?.close()
                environment = nil
                unusable = nil
            }
            storeLock = nil
        }
    }

    /// Closes and reopens the environment, keeping the store lock and the
    /// current map size. LMDB requires this after a fatal error.
    func reopen() throws(StoreError) {
        try writeGate.withLock { () throws(StoreError) in
            try mapLock.withWriteLock { () throws(StoreError) in try reopenHoldingLocks() }
        }
    }

    private enum Attempt<R> {
        case done(R)
        case grow
        case commitFailed(StoreError)
    }

    private func writeHoldingGate<R>(_ body: (any StoreWriter) throws -> R) throws -> R {
        while true {
            let attempt = try mapLock.withReadLock { () throws -> Attempt<R> in
                try attemptWrite(body)
            }
            switch attempt {
            case .done(let result):
                return result
            case .grow:
                try growMap()
            case .commitFailed(let error):
                recoverFromPanic()
                throw error
            }
        }
    }

    /// One run of the body in one transaction.
    private func attemptWrite<R>(_ body: (any StoreWriter) throws -> R) throws -> Attempt<R> {
        let environment = try live()
        let writer = try LMDBWriter(environment)
        defer { writer.abort() }
        let result: R
        do {
            result = try body(writer)
        } catch {
            // The body may have thrown because the map was full, or for a
            // reason of its own that the full map caused; either way a run
            // with more room is what it needs.
            if LMDBError.isMapFull(writer.failure) { return .grow }
            throw error
        }
        if let failure = writer.failure {
            if LMDBError.isMapFull(failure) { return .grow }
            throw failure
        }
        let rc = writer.commit()
        if rc == MDB_MAP_FULL { return .grow }
        if rc != 0 { return .commitFailed(commitFailure(rc, environment)) }
        return .done(result)
    }

    /// Doubles the map, capped at the maximum. Runs with no transaction
    /// active: the write transaction was aborted before, and the
    /// exclusive lock waits for readers to finish.
    private func growMap() throws(StoreError) {
        try mapLock.withWriteLock { () throws(StoreError) in
            let environment = try live()
            let current = environment.mapSize
            guard current < maxMapSize else {
                throw StoreError(.full, code: MDB_MAP_FULL,
                                 "store reached its maximum size of \(maxMapSizeMB) MB (store.max_map_size_mb)")
            }
            try environment.setMapSize(min(current * 2, maxMapSize))
        }
    }

    /// When writing a meta page fails (an I/O error, or a full disk on a
    /// copy-on-write filesystem), LMDB marks the environment fatal and
    /// refuses every later transaction with MDB_PANIC until it is
    /// reopened; doing that at once keeps the promise that writes work
    /// again when space is freed.
    private func recoverFromPanic() {
        mapLock.withWriteLock {
            guard let environment, environment.isPanicked else { return }
            // A failed reopen is recorded in `unusable` and reported by
            // every later call; the commit's own error is the one to throw.
            try? reopenHoldingLocks()
        }
    }

    private func reopenHoldingLocks() throws(StoreError) {
        let old = try live()
        let mapSize = old.mapSize
        // LMDB forbids two environments on one file in a process, so the
        // old one must go before the new one can open.
        old.close()
        environment = nil
        do throws(StoreError) {
            environment = try LMDBEnvironment(directory: directory, mapSize: mapSize, durable: durable)
        } catch {
            unusable = error
            throw error
        }
    }

    private func commitFailure(_ rc: Int32, _ environment: LMDBEnvironment) -> StoreError {
        if rc == EIO && StoreDirectory.isNearlyFull(environment.directory) {
            return StoreError(.full, code: ENOSPC,
                              "cannot write \(environment.dataFile): \(LMDBError.text(ENOSPC)) (short write)")
        }
        return LMDBError.make(rc, "cannot write \(environment.dataFile)")
    }

    private func live() throws(StoreError) -> LMDBEnvironment {
        guard let environment else {
            throw unusable ?? StoreError(.invalidArgument, "store \(directory) is closed")
        }
        return environment
    }
}
