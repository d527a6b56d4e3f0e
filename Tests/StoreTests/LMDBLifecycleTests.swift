import Glibc
import NudgeStore
import Testing

@Suite("LMDB lifecycle")
struct LMDBLifecycleTests {
    let user = EnableKey(user: "a@x", service: "push.x", node: "n")
    let record = EnableRecord(resource: "r", publishOptions: [], enabledAt: 42)

    @Test func reopenKeepsDataAndReportsTheSchema() throws {
        try withTempDir { dir in
            let first = try LMDBStore(testOptions(dir, durable: true))
            #expect(first.openReport == OpenReport(staleReadersCleared: 0, previousShutdownClean: nil,
                                                   schemaCreated: true, migratedFrom: nil))
            try first.write { w in try w.putEnable(user, record) }
            first.close()

            let second = try LMDBStore(testOptions(dir, durable: true))
            defer { second.close() }
            #expect(second.openReport == OpenReport(staleReadersCleared: 0, previousShutdownClean: true,
                                                    schemaCreated: false, migratedFrom: nil))
            #expect(try second.read { r in try r.enable(user) } == record)
            #expect(try second.read { r in try r.get(.meta, b("schema")) } == [0, 0, 0, LMDBStore.schemaVersion.lowByte])
        }
    }

    @Test func createsNestedDirectoriesOwnerOnly() throws {
        try withTempDir { dir in
            let path = dir + "/a/b/store/"
            let store = try LMDBStore(testOptions(path))
            store.close()
            var info = stat()
            #expect(stat(dir + "/a/b/store", &info) == 0)
            #expect(info.st_mode & 0o777 == 0o700)
            #expect(access(dir + "/a/b/store/data.mdb", F_OK) == 0)
            #expect(access(dir + "/a/b/store/lock", F_OK) == 0)
        }
    }

    @Test func droppingWithoutCloseIsAnUncleanShutdown() throws {
        try withTempDir { dir in
            do {
                let crashed = try LMDBStore(testOptions(dir, durable: true))
                try crashed.write { w in try w.putEnable(user, record) }
                // Released here without close(): what a crash leaves.
            }
            let afterCrash = try LMDBStore(testOptions(dir, durable: true))
            #expect(afterCrash.openReport.previousShutdownClean == false)
            #expect(try afterCrash.read { r in try r.enable(user) } == record)
            afterCrash.close()

            let afterClean = try LMDBStore(testOptions(dir, durable: true))
            #expect(afterClean.openReport.previousShutdownClean == true)
            afterClean.close(markClean: false)

            let afterUnmarked = try LMDBStore(testOptions(dir, durable: true))
            defer { afterUnmarked.close() }
            #expect(afterUnmarked.openReport.previousShutdownClean == false)
        }
    }

    @Test func aSecondOpenIsRefusedWhileTheFirstHoldsTheStore() throws {
        try withTempDir { dir in
            let first = try LMDBStore(testOptions(dir))
            let refused = storeError { _ = try LMDBStore(testOptions(dir)) }
            #expect(refused?.kind == .locked)
            #expect(refused?.message == "store \(dir) is in use by another process")
            // The refused open must not have disturbed the first one.
            try first.write { w in try w.put(.reg, b("k"), b("v")) }
            first.close()
            let again = try LMDBStore(testOptions(dir))
            defer { again.close() }
            #expect(try again.read { r in try r.get(.reg, b("k")) } == b("v"))
        }
    }

    @Test func aNewerSchemaIsRefusedAndTheLockReleased() throws {
        try withTempDir { dir in
            let store = try LMDBStore(testOptions(dir))
            try store.write { w in try w.put(.meta, b("schema"), [0, 0, 0, 7]) }
            store.close()
            for _ in 0..<2 {
                let error = storeError { _ = try LMDBStore(testOptions(dir)) }
                #expect(error == StoreError(.schemaTooNew,
                                            "store schema 7 is newer than this Nudge (2); upgrade Nudge or restore a backup"))
            }
        }
    }

    @Test func dataWithoutASchemaIsCorrupt() throws {
        try withTempDir { dir in
            let store = try LMDBStore(testOptions(dir))
            try store.write { w in
                try w.delete(.meta, b("schema"))
                try w.put(.session, b("u@x/r"), SessionRecord(state: .online, since: 0, wakeAt: nil).encode())
            }
            store.close()
            let error = storeError { _ = try LMDBStore(testOptions(dir)) }
            #expect(error == StoreError(.corrupt, "table meta: no schema version, but table session holds data"))
        }
    }

    @Test func outboxNumbersSurviveARestart() throws {
        try withTempDir { dir in
            let job = OutboxRecord(service: "s", node: "n", payload: [], reason: "r", priority: 0,
                                   attempts: 0, notBefore: 0, createdAt: 0)
            let store = try LMDBStore(testOptions(dir))
            let first = try store.write { w in try w.appendOutbox(job) }
            try store.write { w in try w.deleteOutbox(first) }
            store.close()
            let reopened = try LMDBStore(testOptions(dir))
            defer { reopened.close() }
            #expect(try reopened.write { w in try w.appendOutbox(job) } == first + 1)
        }
    }

    @Test func aClosedStoreRefusesWorkAndCloseIsIdempotent() throws {
        try withTempDir { dir in
            let store = try LMDBStore(testOptions(dir))
            store.close()
            store.close()
            let closed = StoreError(.invalidArgument, "store \(dir) is closed")
            #expect(storeError { try store.read { _ in () } } == closed)
            #expect(storeError { try store.write { _ in () } } == closed)
            #expect(storeError { _ = try store.stats() } == closed)
        }
    }

    @Test func badOptionsNameTheirKey() {
        var tooSmall = LMDBStore.Options(path: "/tmp/never-created-by-nudge")
        tooSmall.mapSizeMB = 0
        #expect(storeError { _ = try LMDBStore(tooSmall) }?.message.hasPrefix("store.map_size_mb:") == true)
        var inverted = LMDBStore.Options(path: "/tmp/never-created-by-nudge")
        inverted.maxMapSizeMB = 32
        #expect(storeError { _ = try LMDBStore(inverted) }?.message.hasPrefix("store.max_map_size_mb:") == true)
        #expect(storeError { _ = try LMDBStore(.init(path: "")) }?.kind == .invalidArgument)
        #expect(access("/tmp/never-created-by-nudge", F_OK) != 0)
    }

    @Test func unwritableLocationIsAnIOErrorNamingThePath() throws {
        try withTempDir { dir in
            let file = dir + "/file"
            let fd = open(file, O_CREAT | O_WRONLY, 0o600)
            close(fd)
            let error = storeError { _ = try LMDBStore(testOptions(file + "/store")) }
            #expect(error?.kind == .io)
            #expect(error?.message == "cannot create store directory \(file)/store: Not a directory")
            #expect(error?.code == ENOTDIR)
        }
    }
}

private extension UInt32 {
    var lowByte: UInt8 { UInt8(truncatingIfNeeded: self) }
}
