import Synchronization

/// A store in a PostgreSQL database: the same tables, keys and values as
/// `LMDBStore`, one `bytea` table per `Table`, for installations that keep
/// their state in a database server rather than on the engine's disk.
///
/// Several engines may share one database, each a node with its own id
/// (`Options.nodeID`): enablements, options, summaries, registrations and
/// the outbox are shared; sessions and the clean-shutdown flag are the
/// node's own (`PGNode`). The writer connection holds a session advisory
/// lock on the node id, so a second engine with the same id gets
/// `.locked`. Each node claims an outbox job before it sends it
/// (`claimOutbox`), and a node that stops writing its heartbeat for
/// `nodeLeaseS` seconds loses its jobs to the others (`PGListener`).
///
/// Reads run on a small pool of connections, each read a `REPEATABLE READ
/// READ ONLY` transaction (one snapshot); writes run on the one writer
/// connection, serialised, each one `REPEATABLE READ` transaction
/// committed with `synchronous_commit = on` before `write` returns. Two
/// nodes writing the same row at once: the later transaction fails with a
/// serialization failure and runs again, seeing the other's write.
///
/// When the server goes away, calls fail with `.unavailable` and the
/// server's or libpq's reason; the next call connects again, so the store
/// recovers by itself when the server is back (a connection left idle
/// through a restart is replaced at its first use, without failing it).
///
/// `@unchecked Sendable`: the writer connection is used only under
/// `writeGate`, the idle readers are kept under `poolLock`, and a
/// connection checked out of either is used by one thread at a time.
public final class PostgreSQLStore: OwnedStore, @unchecked Sendable {
    /// How to reach the database; `store.url` and the password read from
    /// `store.password_file`.
    public struct Options: Sendable {
        public var url: PostgreSQLURL
        /// nil: libpq's own sources (PGPASSWORD, ~/.pgpass) or none.
        public var password: String?
        /// Reader connections kept open between reads; more are opened
        /// when more threads read at once, and closed afterwards.
        public var idleReaders: Int = 4
        /// This engine's node id (`store.node_id`), checked by the configuration.
        public var nodeID: String
        /// Seconds without a heartbeat after which a node is dead (`store.node_lease_s`).
        public var nodeLeaseS: Int = 30

        public init(url: PostgreSQLURL, password: String? = nil, nodeID: String = "nudge") {
            self.url = url
            self.password = password
            self.nodeID = nodeID
        }
    }

    /// How often a write whose transaction lost a serialization race runs
    /// again before the failure is reported.
    static let maxRuns = 8

    public private(set) var openReport: OpenReport
    /// The store as messages name it, without a password.
    public let label: String
    private let parameters: [(String, String)]
    private let idleReaders: Int
    private let writeGate = PosixMutex()
    private var writer: PGConnection?
    private let poolLock = PosixMutex()
    private var idle: [PGConnection] = []
    private let closed = Atomic<Bool>(false)
    let node: PGNode
    /// This engine's node id (`store.node_id`).
    public var nodeID: String { node.id }
    private let listenerGate = PosixMutex()
    private var listener: PGListener?

    /// Connects, takes ownership of the database, creates the tables if
    /// missing and checks the schema as `LMDBStore` does (created, refused
    /// when newer, migrated when older, marked not cleanly shut down);
    /// after an unclean shutdown every record is decoded.
    public convenience init(_ options: Options) throws(StoreError) {
        try self.init(options, schemaVersion: Schema.version, migrations: Schema.migrations)
    }

    /// Opens with a given schema version and migrations, for tests.
    init(_ options: Options, schemaVersion: UInt32, migrations: [UInt32: Schema.Migration]) throws(StoreError) {
        label = options.url.label
        parameters = options.url.connectParameters(password: options.password)
        idleReaders = max(0, options.idleReaders)
        node = PGNode(id: options.nodeID, leaseS: options.nodeLeaseS)
        openReport = OpenReport(staleReadersCleared: 0, previousShutdownClean: nil, schemaCreated: false, migratedFrom: nil)
        let outcome: Schema.Outcome
        do {
            outcome = try writeTransaction { w throws in
                for table in Table.allCases { try w.transaction.execute(PGSQL.create(table)) }
                try w.transaction.execute(PGSQL.outboxColumns)
                try w.transaction.execute(PGSQL.summaryColumns)
                _ = try w.transaction.query(PGSQL.adoptSessions, [w.transaction.node.sessionPrefixBytes])
                try w.transaction.execute(PGSQL.createOutboxSequence)
                // A database from before the sequence numbered its jobs
                // with the meta counter: the sequence starts past it.
                if let counter = try w.get(.meta, Schema.MetaKey.outboxNext) {
                    let next = try Schema.decodeSequence(counter)
                    _ = try w.transaction.query(PGSQL.raiseOutboxSequence, [PGSQL.int8(Int(clamping: next))])
                }
                return try Schema.prepare(w, version: schemaVersion, migrations: migrations)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.io, "cannot prepare the PostgreSQL store \(label): \(error)")
        }
        if outcome.previousShutdownClean == false { _ = try verify() }
        openReport = OpenReport(staleReadersCleared: 0, previousShutdownClean: outcome.previousShutdownClean,
                                schemaCreated: outcome.schemaCreated, migratedFrom: outcome.migratedFrom)
    }

    deinit {
        close(markClean: false)
    }

    public func read<R>(_ body: (any StoreReader) throws -> R) throws -> R {
        try checkOpen()
        let txn = try begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT 1", take: checkOut)
        // Back to the pool only if it is idle again: a connection whose
        // transaction could not end is dropped.
        defer { checkIn(txn.connection) }
        let reader = PGReader(txn)
        defer { reader.end() }
        let result: R
        do { result = try body(reader) } catch {
            _ = try? txn.connection.execute("ROLLBACK")
            throw error
        }
        do { try txn.connection.execute("COMMIT") } catch { throw error.storeError }
        return result
    }

    @discardableResult
    public func write<R>(_ body: (any StoreWriter) throws -> R) throws -> R {
        try writeTransaction(body)
    }

    public func stats() throws(StoreError) -> StoreStats {
        do {
            return try read { r throws in
                var entries: [Table: Int] = [:]
                for table in Table.allCases { entries[table] = try r.count(table) }
                let bytes = try (r as! PGReader).transaction.query(PGSQL.totalBytes, []).int64(0, 0) ?? 0
                return StoreStats(mapSize: 0, usedBytes: Int(bytes), entries: entries)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.io, "PostgreSQL store \(label): \(error)")
        }
    }

    /// Decodes every record of one snapshot; `.corrupt` names the first
    /// damaged one. `txnid` is 0: PostgreSQL's snapshots have no one number.
    public func verify() throws(StoreError) -> VerifyReport {
        do {
            return VerifyReport(txnid: 0, entries: try read { r throws in try r.decodeEveryRecord() })
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.io, "PostgreSQL store \(label): \(error)")
        }
    }

    /// Optionally records a clean shutdown, then closes every connection,
    /// which releases the database for another engine. Idempotent; later
    /// calls throw `.invalidArgument`.
    public func close(markClean: Bool) {
        listenerGate.withLock {
            listener?.stop()
            listener = nil
        }
        writeGate.withLock {
            guard !closed.load(ordering: .acquiring) else { return }
            if markClean {
                // A server that is gone leaves the flag at 0, which only
                // makes the next open more careful; close must not fail.
                _ = try? writeHoldingGate { w throws in try Schema.markClean(w) }
                // The jobs left are the other nodes' to send from now on.
                _ = try? writer?.query(PGSQL.leave, [Array(node.id.utf8)])
            }
            closed.store(true, ordering: .releasing)
            writer = nil
            poolLock.withLock { idle = [] }
        }
    }

    // MARK: writing

    private func writeTransaction<R>(_ body: (PGWriter) throws -> R) throws -> R {
        try writeGate.withLock { () throws -> R in
            try checkOpen()
            return try writeHoldingGate(body)
        }
    }

    private func writeHoldingGate<R>(_ body: (PGWriter) throws -> R) throws -> R {
        var runs = 0
        while true {
            runs += 1
            let txn = try begin("BEGIN ISOLATION LEVEL REPEATABLE READ", take: writerConnection)
            let w = PGWriter(txn)
            let result: R
            do {
                defer { w.end() }
                result = try body(w)
            } catch {
                _ = try? txn.connection.execute("ROLLBACK")
                if let failure = txn.failure, failure.isRetryable, runs < Self.maxRuns { continue }
                throw error
            }
            if let failure = txn.failure {
                _ = try? txn.connection.execute("ROLLBACK")
                if failure.isRetryable && runs < Self.maxRuns { continue }
                throw failure.storeError
            }
            let tag: String
            do { tag = try txn.connection.execute("COMMIT") } catch {
                if error.isRetryable && runs < Self.maxRuns { continue }
                if error.connectionLost {
                    throw StoreError(.unavailable,
                                     "PostgreSQL store \(label): the connection was lost while committing, so whether the write was saved is unknown: \(error.reason)")
                }
                throw error.storeError
            }
            // PostgreSQL answers COMMIT of a failed transaction with
            // ROLLBACK and no error; `failure` should have caught that first.
            guard tag == "COMMIT" else {
                throw StoreError(.io, "PostgreSQL store \(label): the server rolled the write back (\(tag))")
            }
            return result
        }
    }

    /// The writer connection, connected (and made the database's owner)
    /// if there is none, the last one broke, or `fresh` asks for a new one.
    /// Called under `writeGate`.
    private func writerConnection(fresh: Bool) throws(StoreError) -> PGConnection {
        if !fresh, let writer, writer.isHealthy { return writer }
        writer = nil
        let connection = try connect()
        let owner: Bool?
        do throws(PGFailure) {
            try connection.execute("SET synchronous_commit = on")
            owner = try connection.query(PGSQL.nodeLock, [Array(node.id.utf8)]).bool(0, 0)
            if owner == true {
                try connection.execute(PGSQL.createNodes)
                _ = try connection.query(PGSQL.heartbeat, [Array(node.id.utf8)])
            }
        } catch {
            throw error.storeError
        }
        guard owner == true else {
            throw StoreError(.locked, "PostgreSQL store \(label): node \(node.id) is in use by another engine (it holds the node's advisory lock); give each engine its own store.node_id")
        }
        writer = connection
        return connection
    }

    // MARK: other nodes

    /// Starts following the other nodes: their enablement changes, and
    /// the jobs of nodes that died (`PGListener`), reported to `observer`
    /// until `close`. `now`: the engine's clock, which jobs' times are in.
    public func follow(_ observer: any NodeObserver, now: @escaping @Sendable () -> Int64) throws(StoreError) {
        try checkOpen()
        try listenerGate.withLock { () throws(StoreError) in
            guard listener == nil else { return }
            listener = try PGListener(parameters: parameters, label: label, node: node, observer: observer, now: now)
        }
    }

    // MARK: reading

    /// An idle reader connection, or a new one. `fresh`: one of the idle
    /// ones was found dead, so the others (as old) are dropped too.
    private func checkOut(fresh: Bool) throws(StoreError) -> PGConnection {
        if fresh {
            poolLock.withLock { idle = [] }
            return try connect()
        }
        let reused = poolLock.withLock { () -> PGConnection? in
            while let c = idle.popLast() {
                if c.isHealthy { return c }
            }
            return nil
        }
        if let reused { return reused }
        return try connect()
    }

    private func checkIn(_ connection: PGConnection) {
        guard connection.isHealthy, !closed.load(ordering: .acquiring) else { return }
        poolLock.withLock {
            if idle.count < idleReaders { idle.append(connection) }
        }
    }

    // MARK: connections

    private func connect() throws(StoreError) -> PGConnection {
        try PGConnection(parameters, label: label)
    }

    /// Begins a transaction with `sql` on a connection from `take`. A
    /// connection that sat idle through a server restart fails its first
    /// statement with a lost connection: it is dropped and a fresh one
    /// tried, once (`take(true)`: never one kept from before), so that the
    /// first call after the restart succeeds.
    private func begin(_ sql: String, take: (_ fresh: Bool) throws(StoreError) -> PGConnection) throws(StoreError) -> PGTransaction {
        var attempts = 0
        while true {
            attempts += 1
            let connection = try take(attempts > 1)
            do {
                try connection.execute(sql)
                return PGTransaction(connection, node: node)
            } catch {
                if error.connectionLost && attempts == 1 { continue }
                throw error.storeError
            }
        }
    }

    private func checkOpen() throws(StoreError) {
        if closed.load(ordering: .acquiring) {
            throw StoreError(.invalidArgument, "PostgreSQL store \(label) is closed")
        }
    }
}
