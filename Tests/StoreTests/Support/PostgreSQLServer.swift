import Glibc
@testable import NudgeStore
import Synchronization
import Testing

/// The PostgreSQL server the store tests run against: the one
/// NUDGE_TEST_POSTGRESQL_URL names (the test command starts one with
/// tests/support/postgres.py), or else one started for this test process
/// by `tests/support/postgres.py serve`, which stops it when this process
/// exits and closes its stdin.
///
/// Without one the PostgreSQL cases are cancelled (skipped) with the
/// reason, unless NUDGE_REQUIRE_POSTGRESQL=1 (the test command, CI), which
/// makes that a failure.
enum PostgreSQLServer {
    /// The server's URL (a database that exists, `nudge`), or why there is none.
    static let url: Result<String, StoreTestError> = {
        if let url = getenv("NUDGE_TEST_POSTGRESQL_URL").map({ String(cString: $0) }), !url.isEmpty {
            return .success(url)
        }
        return startPrivateServer()
    }()

    /// Runs `body` on a store in a database of its own, dropped afterwards.
    static func withStore<R>(_ body: (PostgreSQLStore) throws -> R) throws -> R {
        try withDatabase { url in
            let store = try PostgreSQLStore(PostgreSQLStore.Options(url: try PostgreSQLURL(url)))
            defer { store.close(markClean: true) }
            return try body(store)
        }
    }

    /// Runs `body` with the URL of a new, empty database, dropped afterwards.
    static func withDatabase<R>(_ body: (String) throws -> R) throws -> R {
        let server = try available()
        let name = "nudge_test_\(getpid())_\(counter.add(1, ordering: .relaxed).newValue)"
        try admin(server, "CREATE DATABASE \(name)")
        defer { _ = try? admin(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        return try body(replacingDatabase(of: server, with: name))
    }

    /// Runs SQL in the database `url` names, on a connection of its own
    /// (as another client of the server would).
    static func execute(_ url: String, _ sql: String) throws {
        let connection = try PGConnection(try PostgreSQLURL(url).connectParameters(password: nil), label: "test")
        do { try connection.execute(sql) } catch { throw error.storeError }
    }

    /// The server's URL, or: skip (cancel) the current test case with the
    /// reason, or fail it under NUDGE_REQUIRE_POSTGRESQL=1.
    static func available() throws -> String {
        switch url {
        case .success(let url): return url
        case .failure(let reason):
            if getenv("NUDGE_REQUIRE_POSTGRESQL").map({ String(cString: $0) }) == "1" {
                throw StoreTestError("NUDGE_REQUIRE_POSTGRESQL=1, but there is no PostgreSQL: \(reason)")
            }
            print("skipping a PostgreSQL store test: \(reason)")
            try Test.cancel("no PostgreSQL: \(reason)")
        }
    }

    private static let counter = Atomic<Int>(0)

    private static func admin(_ server: String, _ sql: String) throws {
        try execute(replacingDatabase(of: server, with: "postgres"), sql)
    }

    /// The URL with its path (the database) replaced.
    static func replacingDatabase(of url: String, with database: String) -> String {
        // After "scheme://", the authority ends at the first "/" or "?".
        let scheme = url.prefix { $0 != ":" }
        let afterScheme = url.index(url.startIndex, offsetBy: scheme.count + 3)
        let rest = url[afterScheme...]
        let pathStart = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let query = rest[pathStart...].firstIndex(of: "?").map { String(rest[$0...]) } ?? ""
        return String(url[..<pathStart]) + "/" + database + query
    }

    // MARK: a server of this process's own

    /// Keeps the helper's stdin open for as long as this process lives.
    nonisolated(unsafe) private static var helperStdin: Int32 = -1

    private static func startPrivateServer() -> Result<String, StoreTestError> {
        let root = packageRoot()
        let script = root + "/tests/support/postgres.py"
        guard access(script, R_OK) == 0 else { return .failure(StoreTestError("\(script) is missing")) }
        var toChild: [Int32] = [0, 0]
        var fromChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else {
            return .failure(StoreTestError("pipe failed: \(String(cString: strerror(errno)))"))
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        posix_spawn_file_actions_addclose(&actions, toChild[1])
        posix_spawn_file_actions_addclose(&actions, fromChild[0])
        let argv: [UnsafeMutablePointer<CChar>?] = ["python3", script, "serve"].map { (s: String) in strdup(s) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let rc = posix_spawnp(&pid, "python3", &actions, nil, argv, environ)
        close(toChild[0])
        close(fromChild[1])
        guard rc == 0 else {
            close(toChild[1])
            close(fromChild[0])
            return .failure(StoreTestError("cannot run python3 \(script): \(String(cString: strerror(rc)))"))
        }
        // The write end stays open (and is not inherited by later
        // children) until this process exits; then the helper stops the server.
        _ = fcntl(toChild[1], F_SETFD, FD_CLOEXEC)
        helperStdin = toChild[1]
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(fromChild[0], &byte, 1) == 1, byte != UInt8(ascii: "\n") { line.append(byte) }
        close(fromChild[0])
        let text = String(decoding: line, as: UTF8.self)
        if text.hasPrefix("postgresql://") { return .success(text) }
        return .failure(StoreTestError(text.isEmpty ? "tests/support/postgres.py serve printed nothing" : text))
    }

    /// The package directory, which holds Tests/StoreTests/Support/ with this file.
    private static func packageRoot() -> String {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(4)
        return parts.joined(separator: "/")
    }
}
