@testable import NudgeStore
import Synchronization
import Testing

/// What only the PostgreSQL store has: a server that can go away, other
/// clients that can race it, and a URL. The behaviour it shares with the
/// other stores is in `ParityTests`.
@Suite("PostgreSQL store")
struct PostgreSQLStoreTests {
    func open(_ url: String) throws -> PostgreSQLStore {
        try PostgreSQLStore(PostgreSQLStore.Options(url: try PostgreSQLURL(url)))
    }

    /// The connections the store holds, ended from outside as a server
    /// restart ends them.
    func dropConnections(_ url: String) throws {
        try PostgreSQLServer.execute(PostgreSQLServer.replacingDatabase(of: url, with: "postgres"), """
            SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = '\(database(url))' AND pid <> pg_backend_pid()
            """)
    }

    func database(_ url: String) -> String {
        String(url.split(separator: "/").last!.prefix { $0 != "?" })
    }

    @Test func oneEnginePerNodeID() throws {
        try PostgreSQLServer.withDatabase { url in
            let first = try open(url)
            let error = storeError { _ = try open(url) }
            #expect(error?.kind == .locked)
            #expect(error?.message.hasSuffix("node nudge is in use by another engine (it holds the node's advisory lock); give each engine its own store.node_id") == true)
            first.close(markClean: true)
            try open(url).close(markClean: true)
        }
    }

    @Test func reopeningReportsHowTheLastEngineStopped() throws {
        try PostgreSQLServer.withDatabase { url in
            let created = try open(url)
            #expect(created.openReport.schemaCreated)
            #expect(created.openReport.previousShutdownClean == nil)
            try created.write { w in try w.put(.regOwner, b("k"), b("v")) }
            created.close(markClean: true)
            let clean = try open(url)
            #expect(clean.openReport == OpenReport(staleReadersCleared: 0, previousShutdownClean: true,
                                                   schemaCreated: false, migratedFrom: nil))
            clean.close(markClean: false)
            let crashed = try open(url)
            defer { crashed.close(markClean: true) }
            #expect(crashed.openReport.previousShutdownClean == false)
            #expect(try crashed.read { r in try r.get(.regOwner, b("k")) } == b("v"))
        }
    }

    @Test func aDamagedRecordIsRefusedAtOpenAfterACrash() throws {
        try PostgreSQLServer.withDatabase { url in
            let store = try open(url)
            store.close(markClean: false)
            try PostgreSQLServer.execute(url, "INSERT INTO nudge_session VALUES ('u@x/r'::bytea, '\\x09'::bytea)")
            let error = storeError { _ = try open(url) }
            #expect(error == StoreError(.corrupt, "table session: unknown record format 9 (this Nudge reads 1) (entry 1 of table session)"))
        }
    }

    @Test func migrationsRunAtOpenAsOnLMDB() throws {
        try PostgreSQLServer.withDatabase { url in
            let options = PostgreSQLStore.Options(url: try PostgreSQLURL(url))
            try PostgreSQLStore(options, schemaVersion: 1, migrations: [:]).close(markClean: true)
            let migrated = try PostgreSQLStore(options, schemaVersion: 2,
                                               migrations: [1: { w in try w.put(.reg, b("step"), b("1")) }])
            #expect(migrated.openReport.migratedFrom == 1)
            #expect(try migrated.read { r in try r.get(.reg, b("step")) } == b("1"))
            migrated.close(markClean: true)
            let error = storeError { _ = try PostgreSQLStore(options, schemaVersion: 1, migrations: [:]) }
            #expect(error?.kind == .schemaTooNew)
        }
    }

    /// Another client changes a row the write read: REPEATABLE READ fails
    /// the write's update with a serialization failure, and the store runs
    /// the body again on a fresh snapshot.
    @Test func aSerializationFailureRunsTheBodyAgain() throws {
        try PostgreSQLServer.withDatabase { url in
            let store = try open(url)
            defer { store.close(markClean: true) }
            try store.write { w in try w.put(.reg, b("n"), [1]) }
            var runs = 0
            try store.write { w in
                runs += 1
                let n = try w.get(.reg, b("n"))!
                if runs == 1 {
                    try PostgreSQLServer.execute(url, "UPDATE nudge_reg SET value = '\\x0a'::bytea WHERE key = 'n'::bytea")
                }
                try w.put(.reg, b("n"), [n[0] + 1])
            }
            #expect(runs == 2)
            #expect(try store.read { r in try r.get(.reg, b("n")) } == [11])
        }
    }

    /// Connections that die between calls (a server restart) are replaced
    /// by the next call, which succeeds; the writer takes ownership again.
    @Test func theNextCallReconnectsAfterTheServerDroppedTheConnections() throws {
        try PostgreSQLServer.withDatabase { url in
            let store = try open(url)
            defer { store.close(markClean: true) }
            try store.write { w in try w.put(.reg, b("before"), b("1")) }
            // Two reads at once leave two idle reader connections, both
            // dead after the drop: the retry must not take the second.
            let holding = Atomic<Int>(0)
            let other = TestThread {
                _ = try? store.read { _ in
                    holding.store(1, ordering: .sequentiallyConsistent)
                    _ = waitUntil { holding.load(ordering: .sequentiallyConsistent) == 2 }
                }
            }
            #expect(waitUntil { holding.load(ordering: .sequentiallyConsistent) == 1 })
            #expect(try store.read { r in try r.get(.reg, b("before")) } == b("1"))
            holding.store(2, ordering: .sequentiallyConsistent)
            other.join()
            try dropConnections(url)
            #expect(try store.read { r in try r.get(.reg, b("before")) } == b("1"))
            try store.write { w in try w.put(.reg, b("after"), b("2")) }
            #expect(try store.read { r in try r.count(.reg) } == 2)
            #expect(storeError { _ = try open(url) }?.kind == .locked)
        }
    }

    /// While the database refuses connections, calls fail with
    /// `.unavailable` and the server's reason; once it accepts them again
    /// the store works without being reopened, and nothing committed before
    /// is lost.
    @Test func callsDuringAnOutageFailClearlyAndTheStoreRecovers() throws {
        try PostgreSQLServer.withDatabase { url in
            let store = try open(url)
            defer { store.close(markClean: true) }
            try store.write { w in try w.put(.reg, b("kept"), b("1")) }
            let admin = PostgreSQLServer.replacingDatabase(of: url, with: "postgres")
            try PostgreSQLServer.execute(admin, "ALTER DATABASE \(database(url)) WITH ALLOW_CONNECTIONS false")
            try dropConnections(url)
            let write = storeError { try store.write { w in try w.put(.reg, b("lost"), b("x")) } }
            #expect(write?.kind == .unavailable)
            #expect(write?.message.contains("is not currently accepting connections") == true)
            #expect(write?.message.hasPrefix("cannot connect to the PostgreSQL store ") == true)
            let read = storeError { _ = try store.read { r in try r.get(.reg, b("kept")) } }
            #expect(read?.kind == .unavailable)
            try PostgreSQLServer.execute(admin, "ALTER DATABASE \(database(url)) WITH ALLOW_CONNECTIONS true")
            try store.write { w in try w.put(.reg, b("later"), b("2")) }
            try store.read { r throws in
                #expect(try r.get(.reg, b("kept")) == b("1"))
                #expect(try r.get(.reg, b("lost")) == nil)
                #expect(try r.get(.reg, b("later")) == b("2"))
            }
        }
    }

    /// A connection lost in the middle of a write fails that write and
    /// commits nothing of it.
    @Test func aConnectionLostMidWriteCommitsNothing() throws {
        try PostgreSQLServer.withDatabase { url in
            let store = try open(url)
            defer { store.close(markClean: true) }
            let error = storeError {
                try store.write { w in
                    try w.put(.reg, b("half"), b("1"))
                    try dropConnections(url)
                    try w.put(.reg, b("other-half"), b("2"))
                }
            }
            #expect(error?.kind == .unavailable)
            #expect(try store.read { r in try r.count(.reg) } == 0)
        }
    }

    /// Readers on other threads, each on a pooled connection, see whole
    /// generations only while the writer commits new ones (the check of
    /// `ConcurrencyTests`).
    @Test func readersOnOtherThreadsSeeConsistentSnapshots() throws {
        try PostgreSQLServer.withStore { store in
            let done = Atomic<Bool>(false)
            let reads = Atomic<Int>(0)
            let problems = Mutex<[String]>([])
            let readers = (0..<3).map { _ in
                TestThread {
                    while !done.load(ordering: .acquiring) {
                        do {
                            if let problem = try store.read(ConcurrencyTests.checkSnapshot) {
                                problems.withLock { $0.append(problem) }
                            }
                            reads.add(1, ordering: .relaxed)
                        } catch {
                            problems.withLock { $0.append("\(error)") }
                        }
                    }
                }
            }
            for generation in 0..<10 {
                let before = reads.load(ordering: .relaxed)
                try store.write { w in
                    for i in 0..<ConcurrencyTests.perGeneration {
                        try w.put(.reg, ConcurrencyTests.key(generation, i), ConcurrencyTests.value(generation))
                    }
                    var g = ByteWriter()
                    g.writeUInt32BE(UInt32(generation))
                    try w.put(.meta, b("gen"), g.bytes)
                }
                #expect(waitUntil { reads.load(ordering: .relaxed) > before })
            }
            done.store(true, ordering: .releasing)
            for reader in readers { reader.join() }
            #expect(problems.withLock { $0 } == [])
            #expect(try store.read(ConcurrencyTests.checkSnapshot) == nil)
        }
    }

    @Test func statsCountEntriesAndTableBytes() throws {
        try PostgreSQLServer.withStore { store in
            try store.write { w in try w.put(.reg, b("key"), b("value")) }
            let stats = try store.stats()
            #expect(stats.entries[.reg] == 1)
            #expect(stats.entries[.meta] == 2)
            #expect(stats.mapSize == 0)
            #expect(stats.usedBytes > 0)
        }
    }

    @Test func aServerThatIsNotThereIsUnavailable() throws {
        // Port 1 on loopback: nothing listens there, so the refusal is immediate.
        let error = storeError { _ = try open("postgresql://nudge@127.0.0.1:1/nudge") }
        #expect(error?.kind == .unavailable)
        #expect(error?.message.hasPrefix("cannot connect to the PostgreSQL store nudge@127.0.0.1:1/nudge: ") == true)
        #expect(error?.message.contains("Connection refused") == true)
    }
}

@Suite("PostgreSQL URL")
struct PostgreSQLURLTests {
    @Test func aPasswordInTheURLIsRefusedWithoutRepeatingIt() {
        for url in ["postgresql://nudge:s3cret@db/nudge", "postgresql://db/nudge?password=s3cret"] {
            let error = storeError { _ = try PostgreSQLURL(url) }
            #expect(error?.kind == .invalidArgument)
            #expect(error?.message == "contains a password: give it in store.password_file or the PGPASSWORD environment variable instead")
        }
    }

    @Test func onlyLibpqURIsAreAccepted() {
        #expect(storeError { _ = try PostgreSQLURL("host=db dbname=nudge") }?.message
                == "expected a libpq connection URI (postgresql://host/database)")
        let bad = storeError { _ = try PostgreSQLURL("postgresql://db/nudge?nonsense=1") }
        #expect(bad?.message.hasPrefix("not a valid libpq connection URI: ") == true)
        #expect(bad?.message.contains("nonsense") == true)
    }

    @Test func hostListsFailOverToAPrimaryUnlessTheURLSaysOtherwise() throws {
        let url = try PostgreSQLURL("postgresql://nudge@db1:5432,db2:5433/push")
        #expect(url.label == "nudge@db1,db2:5432,5433/push")
        let parameters = url.connectParameters(password: "pw")
        #expect(parameters.first! == ("dbname", url.uri))
        #expect(parameters.contains { $0 == ("password", "pw") })
        #expect(parameters.contains { $0 == ("target_session_attrs", "read-write") })
        #expect(parameters.contains { $0 == ("connect_timeout", "10") })
        #expect(parameters.contains { $0 == ("tcp_user_timeout", "30000") })
        let any = try PostgreSQLURL("postgresql://db1,db2/push?target_session_attrs=any&connect_timeout=3&tcp_user_timeout=0")
        let given = Set(any.connectParameters(password: nil).map(\.0))
        #expect(given.isDisjoint(with: ["target_session_attrs", "connect_timeout", "tcp_user_timeout", "password"]))
    }

    @Test func prefixEndsAreTheLeastKeyAfterThePrefix() {
        #expect(PGSQL.prefixEnd([]) == nil)
        #expect(PGSQL.prefixEnd([0x61]) == [0x62])
        #expect(PGSQL.prefixEnd([0x61, 0xFF, 0xFF]) == [0x62])
        #expect(PGSQL.prefixEnd([0xFF, 0xFF]) == nil)
    }
}
