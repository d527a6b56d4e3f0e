import CPostgreSQL

/// A libpq connection URI (`store.url`), checked by libpq's own parser so
/// that host lists, percent-encoding and query parameters mean exactly
/// what they will mean at connect time.
public struct PostgreSQLURL: Sendable, Equatable {
    /// The URI as configured; it holds no password (refused at parse).
    public let uri: String
    /// The parameters the URI sets, by libpq keyword.
    let options: [String: String]

    /// Parses `uri`; the errors say what is wrong without repeating the URI.
    public init(_ uri: String) throws(StoreError) {
        guard uri.hasPrefix("postgresql://") || uri.hasPrefix("postgres://") else {
            throw StoreError(.invalidArgument, "expected a libpq connection URI (postgresql://host/database)")
        }
        var message: UnsafeMutablePointer<CChar>?
        guard let parsed = PQconninfoParse(uri, &message) else {
            let reason = message.map { PGConnection.text($0) } ?? "out of memory"
            PQfreemem(message)
            throw StoreError(.invalidArgument, "not a valid libpq connection URI: \(reason)")
        }
        defer { PQconninfoFree(parsed) }
        var options: [String: String] = [:]
        var option = parsed
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { options[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        if options["password"] != nil {
            throw StoreError(.invalidArgument,
                             "contains a password: give it in store.password_file or the PGPASSWORD environment variable instead")
        }
        self.uri = uri
        self.options = options
    }

    /// The store as messages and logs name it: user, hosts, port and
    /// database, e.g. "nudge@db1,db2:5432/nudge".
    public var label: String {
        let user = options["user"].map { "\($0)@" } ?? ""
        let host = options["host"] ?? options["hostaddr"] ?? "localhost"
        let port = options["port"].map { ":\($0)" } ?? ""
        let database = options["dbname"].map { "/\($0)" } ?? ""
        return user + host + port + database
    }

    /// What the store needs unless the URI says otherwise: a primary (so
    /// that a host list fails over to whichever server takes writes), a
    /// bounded connect time, and a TCP connection that is given up 30 s
    /// after the server stops acknowledging (a primary that vanished
    /// without a reset would otherwise hold the writer for many minutes).
    static let defaults: [(String, String)] = [
        ("target_session_attrs", "read-write"), ("connect_timeout", "10"),
        ("tcp_user_timeout", "30000"), ("keepalives_idle", "30"),
    ]

    /// The keywords and values to connect with: the URI (expanded by
    /// libpq), the password if one was given apart, and `defaults` for
    /// what the URI does not set.
    func connectParameters(password: String?) -> [(String, String)] {
        var parameters: [(String, String)] = [("dbname", uri), ("fallback_application_name", "nudge")]
        if let password { parameters.append(("password", password)) }
        parameters += Self.defaults.filter { options[$0.0] == nil }
        return parameters
    }
}
