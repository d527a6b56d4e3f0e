/// A statement that failed, with what the store needs to decide what to
/// do next: retry the transaction (a serialization failure), reconnect
/// (the connection is gone), or report.
struct PGFailure: Error {
    /// The SQLSTATE, nil when the failure is libpq's own (no answer).
    let sqlState: String?
    /// libpq marked the connection bad: the server went away.
    let connectionLost: Bool
    /// The server's primary message or libpq's.
    let reason: String
    let label: String

    /// 40001 (serialization_failure) and 40P01 (deadlock_detected): the
    /// transaction lost a race and may simply run again.
    var isRetryable: Bool { sqlState == "40001" || sqlState == "40P01" }

    /// Connection exceptions (08…) and the server ending the session as it
    /// shuts down, crashes or restarts (57P01–57P03).
    static func endsTheSession(_ sqlState: String) -> Bool {
        sqlState.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(sqlState)
    }

    /// The StoreError an operator sees, with the kind callers react to.
    var storeError: StoreError { StoreError(kind, "PostgreSQL store \(label): \(reason)") }

    var kind: StoreError.Kind {
        if connectionLost { return .unavailable }
        guard let sqlState else { return .io }
        switch sqlState {
        case "53100": return .full   // disk_full
        // Connection exceptions, too many connections, the server shutting
        // down or starting, and a read-only server (a standby after failover).
        case _ where Self.endsTheSession(sqlState), "53300", "25006":
            return .unavailable
        case "XX001", "XX002": return .corrupt   // data_corrupted, index_corrupted
        default: return .io
        }
    }
}
