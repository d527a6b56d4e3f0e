import NudgeCore
import Testing

/// `store.backend` and the keys of each backend.
@Suite struct StoreConfigTests {
    static func config(_ store: String) throws(ConfigError) -> Config {
        try Config(json: #"{"store": \#(store), "server": {"domains": ["x"]}}"#)
    }

    @Test func lmdbIsTheDefault() throws {
        let c = try Self.config(#"{"path": "/s"}"#)
        #expect(c.store.backend == .lmdb)
        #expect(c.store.url == nil && c.store.passwordFile == nil)
    }

    @Test func postgresqlNeedsAURLAndNoDirectory() throws {
        let c = try Self.config(#"{"backend": "postgresql", "url": "postgresql://nudge@db1,db2/nudge", "password_file": "/etc/nudge/pg"}"#)
        #expect(c.store.backend == .postgresql)
        #expect(c.store.url?.uri == "postgresql://nudge@db1,db2/nudge")
        #expect(c.store.passwordFile == "/etc/nudge/pg")
        // Hosts pass their default store.path whatever the backend; it is not read.
        #expect(try Self.config(#"{"backend": "postgresql", "url": "postgresql:///nudge", "path": "/s"}"#).store.path == "/s")
    }

    @Test(arguments: [
        (#"{"backend": "postgresql"}"#,
         #"store.url: required with store.backend "postgresql": a libpq connection URI (postgresql://host/database)"#),
        (#"{"backend": "sqlite", "path": "/s"}"#, #"store.backend: expected lmdb or postgresql, got "sqlite""#),
        (#"{"backend": "postgresql", "url": "postgresql://nudge:hunter2@db/nudge"}"#,
         "store.url: contains a password: give it in store.password_file or the PGPASSWORD environment variable instead"),
        (#"{"backend": "postgresql", "url": "postgresql://db/nudge?password=hunter2"}"#,
         "store.url: contains a password: give it in store.password_file or the PGPASSWORD environment variable instead"),
        (#"{"backend": "postgresql", "url": "host=db dbname=nudge"}"#,
         "store.url: expected a libpq connection URI (postgresql://host/database)"),
        (#"{"backend": "postgresql", "url": "postgresql://[::1/nudge"}"#,
         "store.url: not a valid libpq connection URI: "),
        (#"{"backend": "postgresql", "url": 5}"#, "store.url: expected a string"),
        (#"{"backend": "postgresql", "url": "postgresql:///n", "password_file": ""}"#, "store.password_file"),
        (#"{"path": "/s", "url": "postgresql:///n"}"#,
         #"store.url: only read with store.backend "postgresql" (store.backend is "lmdb")"#),
        (#"{"path": "/s", "password_file": "/p"}"#,
         #"store.password_file: only read with store.backend "postgresql" (store.backend is "lmdb")"#),
        (#"{"path": "/s", "node_id": "a"}"#,
         #"store.node_id: only read with store.backend "postgresql" (store.backend is "lmdb")"#),
        (#"{"backend": "postgresql", "url": "postgresql:///n", "node_id": "a/b"}"#,
         "store.node_id: may hold only ASCII letters, digits, '.', '_' and '-'"),
        (#"{"backend": "postgresql", "url": "postgresql:///n", "node_lease_s": 1}"#, "store.node_lease_s"),
        (#"{"backend": "lmdb"}"#, "store.path: required: the directory of the LMDB store"),
    ])
    func errorsNameTheKey(store: String, message: String) {
        do {
            _ = try Self.config(store)
            Issue.record("accepted: \(store)")
        } catch {
            #expect(error.message.hasPrefix(message), "\(error.message)")
            #expect(!error.message.contains("hunter2"))
        }
    }
}
