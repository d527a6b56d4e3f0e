import CPostgreSQL
import Glibc

/// One libpq connection, used by one thread at a time (the pool or the
/// writer gate sees to that), with every statement's failure turned into
/// a `PGFailure`.
///
/// Parameters and results travel in binary format, so keys and values are
/// bytes on the wire as in the table: no escaping, no text encoding.
final class PGConnection {
    private let handle: OpaquePointer
    /// How the store is named in messages: host list and database, never
    /// the password (`PostgreSQLURL.label`).
    let label: String

    /// Connects with libpq's keywords and values; the URI itself goes in
    /// as `dbname` with `expand_dbname`, so host lists, `sslmode` and the
    /// rest are libpq's to read.
    init(_ parameters: [(String, String)], label: String) throws(StoreError) {
        self.label = label
        let keys = parameters.map { strdup($0.0) }
        let values = parameters.map { strdup($0.1) }
        defer {
            keys.forEach { free($0) }
            values.forEach { free($0) }
        }
        var keyPointers: [UnsafePointer<CChar>?] = keys.map { UnsafePointer($0) } + [nil]
        var valuePointers: [UnsafePointer<CChar>?] = values.map { UnsafePointer($0) } + [nil]
        guard let conn = PQconnectdbParams(&keyPointers, &valuePointers, 1) else {
            throw StoreError(.unavailable, "cannot connect to the PostgreSQL store \(label): out of memory")
        }
        guard PQstatus(conn) == CONNECTION_OK else {
            let reason = Self.text(PQerrorMessage(conn))
            PQfinish(conn)
            throw StoreError(.unavailable, "cannot connect to the PostgreSQL store \(label): \(reason)")
        }
        // NOTICEs ("relation already exists, skipping") would go to the
        // host's stderr; a library has no business writing there.
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
        handle = conn
    }

    deinit {
        PQfinish(handle)
    }

    /// Whether libpq still considers the connection usable; it notices a
    /// dead server only when a statement fails.
    var isHealthy: Bool {
        PQstatus(handle) == CONNECTION_OK && PQtransactionStatus(handle) == PQTRANS_IDLE
    }

    /// Waits up to `millis` for the server to send something (a
    /// notification), reads it in, and returns the notifications that
    /// arrived as (channel, payload); throws when the connection is gone.
    func awaitNotifications(millis: Int32) throws(PGFailure) -> [(channel: String, payload: String)] {
        var waiting = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        if waiting.fd >= 0 { _ = poll(&waiting, 1, millis) }
        guard waiting.fd >= 0, PQconsumeInput(handle) == 1 else {
            throw PGFailure(sqlState: nil, connectionLost: true, reason: Self.text(PQerrorMessage(handle)), label: label)
        }
        var arrived: [(channel: String, payload: String)] = []
        while let notify = PQnotifies(handle) {
            arrived.append((String(cString: notify.pointee.relname), String(cString: notify.pointee.extra)))
            PQfreemem(notify)
        }
        return arrived
    }

    /// Runs one or more statements without parameters (the simple
    /// protocol, so `BEGIN …; SELECT 1` is one round trip); returns the
    /// last command's tag ("COMMIT").
    @discardableResult
    func execute(_ sql: String) throws(PGFailure) -> String {
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        try check(result)
        return Self.text(PQcmdStatus(result))
    }

    /// Statements prepared on this connection, by their SQL. Prepared
    /// statements belong to the session, not to a transaction, so a
    /// rollback keeps them.
    private var prepared: [String: String] = [:]

    /// Runs one statement with binary parameters (nil: SQL NULL) and
    /// binary results, prepared the first time this connection runs it
    /// (parsed and planned once rather than at every call).
    func query(_ sql: String, _ parameters: [[UInt8]?]) throws(PGFailure) -> PGRows {
        // libpq reads the values during the call only: they are copied
        // into one buffer that lives until it returns. An empty bytea
        // still needs a non-NULL pointer (NULL means SQL NULL).
        let lengths = parameters.map { Int32($0?.count ?? 0) }
        let formats = [Int32](repeating: 1, count: parameters.count)
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, lengths.reduce(0) { $0 + Int($1) }),
                                                              alignment: 1)
        defer { storage.deallocate() }
        var offset = 0
        var pointers: [UnsafePointer<CChar>?] = parameters.map { p in
            guard let p else { return nil }
            let start = storage.baseAddress! + offset
            if !p.isEmpty { UnsafeMutableRawBufferPointer(rebasing: storage[offset..<offset + p.count]).copyBytes(from: p) }
            offset += p.count
            return UnsafePointer(start.assumingMemoryBound(to: CChar.self))
        }
        let name = try statement(sql, parameters: parameters.count)
        let result = PQexecPrepared(handle, name, Int32(parameters.count), &pointers, lengths, formats, 1)
        do { try check(result) } catch {
            PQclear(result)
            throw error
        }
        return PGRows(result!)
    }

    private func statement(_ sql: String, parameters: Int) throws(PGFailure) -> String {
        if let name = prepared[sql] { return name }
        let name = "nudge_\(prepared.count)"
        let result = PQprepare(handle, name, sql, Int32(parameters), nil)
        defer { PQclear(result) }
        try check(result)
        prepared[sql] = name
        return name
    }

    private func check(_ result: OpaquePointer?) throws(PGFailure) {
        let status = result.map(PQresultStatus) ?? PGRES_FATAL_ERROR
        if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK { return }
        let sqlState = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map { String(cString: $0) }
        let primary = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "M"))) }.map { String(cString: $0) }
        // libpq may report "server closed the connection unexpectedly"
        // before it marks the connection bad; its own failures have no
        // SQLSTATE, the server's always do.
        let lost = PQstatus(handle) != CONNECTION_OK || sqlState == nil || PGFailure.endsTheSession(sqlState!)
        let reason = primary ?? Self.text(PQerrorMessage(handle))
        throw PGFailure(sqlState: sqlState, connectionLost: lost, reason: reason, label: label)
    }

    /// libpq's messages span lines, indented with tabs; ours are one line.
    static func text(_ c: UnsafePointer<CChar>?) -> String {
        guard let c else { return "" }
        return String(cString: c).split(separator: "\n")
            .map { $0.drop { $0 == " " || $0 == "\t" } }
            .filter { !$0.isEmpty }
            .joined(separator: "; ")
    }
}

/// The rows of a binary-format result; frees it when dropped.
final class PGRows {
    private let result: OpaquePointer

    init(_ result: OpaquePointer) { self.result = result }
    deinit { PQclear(result) }

    var count: Int { Int(PQntuples(result)) }

    /// The number of rows the command touched (DELETE, INSERT).
    var affected: Int { Int(String(cString: PQcmdTuples(result))) ?? 0 }

    func bytes(_ row: Int, _ column: Int) -> [UInt8]? {
        if PQgetisnull(result, Int32(row), Int32(column)) == 1 { return nil }
        let length = Int(PQgetlength(result, Int32(row), Int32(column)))
        guard length > 0, let value = PQgetvalue(result, Int32(row), Int32(column)) else { return [] }
        return Array(UnsafeRawBufferPointer(start: value, count: length))
    }

    /// A binary int8 (`count(*)`, `pg_total_relation_size`): 8 bytes, big-endian.
    func int64(_ row: Int, _ column: Int) -> Int64? {
        guard let b = bytes(row, column), b.count == 8 else { return nil }
        return b.reduce(0) { $0 << 8 | Int64($1) }
    }

    /// A binary boolean: one byte.
    func bool(_ row: Int, _ column: Int) -> Bool? {
        guard let b = bytes(row, column), b.count == 1 else { return nil }
        return b[0] != 0
    }
}
