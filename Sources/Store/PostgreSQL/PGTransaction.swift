/// One transaction on one connection, shared by the reader or writer
/// handed to the body and the writers of its nested transactions.
final class PGTransaction {
    let connection: PGConnection
    /// Whose sessions and flags the transaction sees (`PGNode`).
    let node: PGNode
    /// The first failed statement. PostgreSQL refuses every later
    /// statement of the transaction, so later calls repeat this one, and
    /// the store decides from it whether to run the body again.
    var failure: PGFailure?
    /// Savepoints currently open, to name the next one.
    var depth = 0

    init(_ connection: PGConnection, node: PGNode) {
        self.connection = connection
        self.node = node
    }

    /// Runs a statement of the transaction, recording its failure.
    func query(_ sql: String, _ parameters: [[UInt8]?]) throws(StoreError) -> PGRows {
        if let failure { throw failure.storeError }
        do { return try connection.query(sql, parameters) } catch {
            failure = error
            throw error.storeError
        }
    }

    func execute(_ sql: String) throws(StoreError) {
        if let failure { throw failure.storeError }
        do { try connection.execute(sql) } catch {
            failure = error
            throw error.storeError
        }
    }
}

/// A transaction seen as a `StoreReader`; refuses to be used once its
/// body has returned, or while a nested transaction runs.
class PGReader: StoreReader {
    let transaction: PGTransaction
    private var ended = false
    var suspended = false

    /// Rows fetched per query of a scan: scans stop early (`visit` returns
    /// false) far more often than they read a whole table.
    static let scanBatch = 256

    init(_ transaction: PGTransaction) {
        self.transaction = transaction
    }

    func end() { ended = true }

    func live() throws(StoreError) -> PGTransaction {
        if ended {
            throw StoreError(.invalidArgument, "the transaction has ended; a reader or writer must not outlive its body")
        }
        if suspended {
            throw StoreError(.invalidArgument, "the transaction is in use by a nested one; use the writer the nested body was given")
        }
        return transaction
    }

    func get(_ table: Table, _ key: [UInt8]) throws(StoreError) -> [UInt8]? {
        let txn = try live()
        guard !key.isEmpty && key.count <= StoreLimits.maxKeyBytes else { return nil }
        let rows = try txn.query(PGSQL.get(table), [txn.node.stored(table, key)])
        return rows.count == 0 ? nil : rows.bytes(0, 0) ?? []
    }

    func scan(_ table: Table, prefix: [UInt8], _ visit: ([UInt8], [UInt8]) -> Bool) throws(StoreError) {
        let txn = try live()
        guard prefix.count <= StoreLimits.maxKeyBytes else { return }
        let stored = txn.node.storedPrefix(table, prefix)
        let end = PGSQL.prefixEnd(stored)
        var from = stored
        while true {
            let batch = PGSQL.int8(Self.scanBatch)
            let rows: PGRows
            if let end {
                rows = try txn.query(PGSQL.scan(table, bounded: true), [from, end, batch])
            } else {
                rows = try txn.query(PGSQL.scan(table, bounded: false), [from, batch])
            }
            for row in 0..<rows.count {
                let key = rows.bytes(row, 0) ?? []
                guard visit(txn.node.visible(table, key), rows.bytes(row, 1) ?? []) else { return }
                // The least key after this one: itself followed by a zero byte.
                from = key + [0]
            }
            if rows.count < Self.scanBatch { return }
        }
    }

    func count(_ table: Table) throws(StoreError) -> Int {
        let txn = try live()
        let rows = try txn.query(PGSQL.count(table), [])
        guard rows.count == 1, let n = rows.int64(0, 0) else {
            throw StoreError(.io, "PostgreSQL store \(txn.connection.label): count of table \(table.rawValue) gave no number")
        }
        return Int(n)
    }
}

/// A write transaction seen as a `StoreWriter`: nested transactions are
/// savepoints.
final class PGWriter: PGReader, StoreWriter {
    func put(_ table: Table, _ key: [UInt8], _ value: [UInt8]) throws(StoreError) {
        let txn = try live()
        try StoreLimits.check(key, table)
        let stored = txn.node.stored(table, key)
        if table == .outbox {
            // The decisions between nodes need the job's time as a column;
            // a value that does not decode is the caller's bug, stored as is.
            let notBefore = (try? OutboxRecord(decoding: value))?.notBefore ?? 0
            _ = try txn.query(PGSQL.putOutbox, [stored, value, PGSQL.int8(Int(notBefore)), Array(txn.node.id.utf8)])
            return
        }
        if table == .summary {
            let at = (try? SummaryRecord(decoding: value))?.followUpAt
            _ = try txn.query(PGSQL.putSummary, [stored, value, at.map { PGSQL.int8(Int($0)) }])
            return
        }
        _ = try txn.query(PGSQL.put(table), [stored, value])
        if table == .enable { try notifyEnable(key) }
    }

    /// Tells the other nodes, at commit, whose enablements changed, so
    /// that they read them again into their in-memory index.
    private func notifyEnable(_ key: [UInt8]) throws(StoreError) {
        let txn = try live()
        let user = key.prefix { $0 != 0 }
        _ = try txn.query(PGSQL.notifyEnable, [Array(txn.node.id.utf8) + [0x20] + user])
    }

    func nextOutboxSequence() throws(StoreError) -> UInt64 {
        let txn = try live()
        let rows = try txn.query(PGSQL.nextOutboxSequence, [])
        guard rows.count == 1, let n = rows.int64(0, 0), n > 0 else {
            throw StoreError(.io, "PostgreSQL store \(txn.connection.label): nextval of nudge_outbox_seq gave no number")
        }
        return UInt64(n)
    }

    func claimOutbox(_ key: [UInt8]) throws(StoreError) -> Bool {
        let txn = try live()
        guard !key.isEmpty && key.count <= StoreLimits.maxKeyBytes else { return false }
        return try txn.query(PGSQL.claim(txn.node), [key, Array(txn.node.id.utf8)]).affected > 0
    }

    @discardableResult
    func delete(_ table: Table, _ key: [UInt8]) throws(StoreError) -> Bool {
        let txn = try live()
        guard !key.isEmpty && key.count <= StoreLimits.maxKeyBytes else { return false }
        let removed = try txn.query(PGSQL.delete(table), [txn.node.stored(table, key)]).affected > 0
        if removed && table == .enable { try notifyEnable(key) }
        return removed
    }

    func nested<R>(_ body: (any StoreWriter) throws(StoreError) -> R) throws(StoreError) -> R {
        let txn = try live()
        txn.depth += 1
        let savepoint = "nudge_nested_\(txn.depth)"
        defer { txn.depth -= 1 }
        try txn.execute("SAVEPOINT \(savepoint)")
        let child = PGWriter(txn)
        suspended = true
        defer { suspended = false; child.end() }
        do {
            let result = try body(child)
            try txn.execute("RELEASE SAVEPOINT \(savepoint)")
            return result
        } catch {
            // A failed statement (the server's, or a lost connection) fails
            // the whole write, so that the store can retry or report it; an
            // error of the body's own (a record that does not decode) is
            // undone here and fails this nested body alone.
            if txn.failure != nil { throw error }
            try txn.execute("ROLLBACK TO SAVEPOINT \(savepoint); RELEASE SAVEPOINT \(savepoint)")
            throw error
        }
    }
}
