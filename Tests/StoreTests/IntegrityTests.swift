import Glibc
import NudgeStore
import Testing

/// The open-time walk, the marker, `verify` and `backup` on real LMDB
/// files; the C test bindings/c/tests/test_damaged_store.c damages them.
@Suite("Store integrity")
struct IntegrityTests {
    /// A store shaped like a busy one: a deep enable tree, values on
    /// overflow pages, and a free list left by deletions.
    func populate(_ store: LMDBStore) throws {
        var rng = SeededRandom(seed: 11)
        for batch in 0..<10 {
            try store.write { w in
                for i in 0..<500 {
                    let n = batch * 500 + i
                    try w.putEnable(EnableKey(user: "user\(n)@example.net", service: "push.example", node: "node-\(n)"),
                                    EnableRecord(resource: "phone", publishOptions: [], enabledAt: Int64(n)))
                }
                for i in 0..<30 {
                    let size = Int(rng.next() % 20_000) + 1
                    try w.put(.meta, b("blob\(batch)-\(i)"), [UInt8](repeating: UInt8(i), count: size))
                    let payload = [UInt8](repeating: 7, count: Int(rng.next() % 9000))
                    try w.putOutbox(UInt64(batch * 30 + i), OutboxRecord(service: "s", node: "n\(i)", payload: payload,
                                                                        reason: "message", priority: 5, attempts: 0,
                                                                        notBefore: 0, createdAt: 0))
                }
            }
            try store.write { w in
                for i in stride(from: 0, to: 30, by: 2) { try w.delete(.meta, b("blob\(batch)-\(i)")) }
                for i in stride(from: 0, to: 500, by: 3) {
                    let n = batch * 500 + i
                    try w.delete(.enable, EnableKey(user: "user\(n)@example.net", service: "push.example", node: "node-\(n)").key)
                }
            }
        }
    }

    @Test func soundStoresPassTheWalkAtOpenAndVerify() throws {
        try withTempDir { dir in
            let store = try LMDBStore(testOptions(dir, durable: true))
            try populate(store)
            let report = try store.verify()
            #expect(report.entries[.enable] == 10 * (500 - 167))
            #expect(report.entries[.outbox] == 300)
            store.close()
            // Reopening walks the whole file before LMDB maps it.
            let again = try LMDBStore(testOptions(dir, durable: true))
            defer { again.close() }
            #expect(try again.verify().entries[.enable] == 10 * (500 - 167))
        }
    }

    @Test func verifyRunsAlongsideWrites() throws {
        try withTempDir { dir in
            let store = try LMDBStore(testOptions(dir))
            defer { store.close() }
            let writer = TestThread {
                for i in 0..<300 {
                    _ = try? store.write { w in try w.put(.meta, b("k\(i % 7)"), [UInt8](repeating: 1, count: i * 10)) }
                }
            }
            for _ in 0..<20 { _ = try store.verify() }
            writer.join()
        }
    }

    @Test func aDamagedPageIsFoundByVerifyWithItsTableAndPage() throws {
        try withTempDir { dir in
            let store = try LMDBStore(testOptions(dir, durable: true))
            try populate(store)
            // Every page's lower/upper bounds overwritten, as by a bad disk.
            let fd = open(dir + "/data.mdb", O_RDWR)
            defer { Glibc.close(fd) }
            var st = stat()
            fstat(fd, &st)
            var junk: [UInt8] = [0xFF, 0xFF, 0x01, 0x00]
            for page in 2..<Int(st.st_size) / 4096 { pwrite(fd, &junk, 4, off_t(page * 4096 + 12)) }
            #expect {
                try store.verify()
            } throws: { error in
                let e = error as! StoreError
                return e.kind == .corrupt && e.message.contains("data.mdb is damaged") && e.message.contains("page ")
            }
            // Writing now would make LMDB follow the damaged pages.
            store.close(markClean: false)
            #expect { try LMDBStore(testOptions(dir)) } throws: { error in
                (error as! StoreError).kind == .corrupt
            }
        }
    }

    @Test func aDamagedRecordIsRefusedAtOpenAfterAnUncleanShutdown() throws {
        try withTempDir { dir in
            let store = try LMDBStore(testOptions(dir, durable: true))
            try store.write { w in try w.put(.options, b("juliet@example.net"), [1, 9]) }
            store.close(markClean: false)
            #expect { try LMDBStore(testOptions(dir)) } throws: { error in
                let e = error as! StoreError
                return e.kind == .corrupt && e.message.contains("table options") && e.message.contains("entry 1")
            }
        }
    }

    /// A transaction id past Int.max in a meta page made the verify after
    /// an unclean shutdown trap (size_t is Int in Swift).
    @Test func aMetaPageWithAnAbsurdTransactionIdIsRefused() throws {
        try withTempDir { dir in
            let store = try LMDBStore(testOptions(dir, durable: true))
            try populate(store)
            store.close()
            let fd = open(dir + "/data.mdb", O_RDWR)
            var txnid = UInt64(1) << 63 | 1
            #expect(pwrite(fd, &txnid, 8, 4096 + 16 + 128) == 8)
            Glibc.close(fd)
            #expect { try LMDBStore(testOptions(dir)) } throws: { error in
                (error as! StoreError).kind == .corrupt && "\(error)".contains("meta page 1 gives a transaction id")
            }
        }
    }

    /// A damaged table name would have made LMDB create that table anew,
    /// empty: every enablement forgotten without a word.
    @Test func aDamagedTableNameIsRefusedNotRecreatedEmpty() throws {
        try withTempDir { dir in
            let store = try LMDBStore(testOptions(dir, durable: true))
            try populate(store)
            store.close()
            let path = dir + "/data.mdb"
            let fd = open(path, O_RDWR)
            defer { Glibc.close(fd) }
            var st = stat()
            fstat(fd, &st)
            var bytes = [UInt8](repeating: 0, count: Int(st.st_size))
            #expect(pread(fd, &bytes, bytes.count, 0) == bytes.count)
            // "reg_owner" appears only as a table name (in the live page of
            // the main table, and in older copies of it).
            let name = b("reg_owner")
            let places = (0...(bytes.count - name.count)).filter { Array(bytes[$0..<$0 + name.count]) == name }
            #expect(!places.isEmpty)
            for at in places {
                var changed: UInt8 = UInt8(ascii: "x")
                #expect(pwrite(fd, &changed, 1, off_t(at + name.count - 1)) == 1)
            }
            #expect { try LMDBStore(testOptions(dir)) } throws: { error in
                (error as! StoreError).kind == .corrupt && "\(error)".contains("names \"reg_ownex\"")
            }
        }
    }

    @Test func aStoreFromBeforeMarkersGetsOneOnce() throws {
        try withTempDir { dir in
            let first = try LMDBStore(testOptions(dir, durable: true))
            #expect(first.openReport.markerAdded == false)
            first.close()
            #expect(unlink(dir + "/nudge-store") == 0)
            let second = try LMDBStore(testOptions(dir, durable: true))
            #expect(second.openReport.markerAdded)
            second.close()
            #expect(access(dir + "/nudge-store", F_OK) == 0)
            let third = try LMDBStore(testOptions(dir, durable: true))
            #expect(third.openReport.markerAdded == false)
            third.close()
        }
    }

    @Test func aBackupOpensWithTheSameDataAndNeverOverwrites() throws {
        try withTempDir { dir in
            let store = try LMDBStore(testOptions(dir, durable: true))
            try populate(store)
            let bytes = try store.backup(to: dir + "/copy")
            #expect(bytes > 0)
            #expect { try store.backup(to: dir + "/copy") } throws: { error in
                (error as! StoreError).kind == .invalidArgument && "\(error)".contains("is not empty")
            }
            let original = try store.verify()
            store.close()
            let copy = try LMDBStore(testOptions(dir + "/copy"))
            defer { copy.close() }
            #expect(copy.openReport.markerAdded == false)
            #expect(try copy.verify().entries == original.entries)
        }
    }

    /// Bad bytes must make every codec throw, never trap: random values,
    /// and every truncation of a good one.
    @Test func codecsRefuseBadBytesWithoutTrapping() throws {
        var rng = SeededRandom(seed: 3)
        let good: [[UInt8]] = [
            EnableRecord(resource: "r", publishOptions: [], enabledAt: 1).encode(),
            OutboxRecord(service: "s", node: "n", payload: [1, 2, 3], reason: "m", priority: 5, attempts: 1,
                         notBefore: 2, createdAt: 3).encode(),
            SummaryRecord(messageCount: 1, subscriptionCount: 2, lastSender: "a", lastBody: "b", lastPushAt: 4,
                          followUpAt: 5, burst: 6).encode(),
            OptionsRecord(includeSenders: true, includeMessageCount: false, includeSubscriptionCount: true,
                          includeMessageBodies: false).encode(),
            SessionRecord(state: .pending, since: 1, wakeAt: 2).encode(),
        ]
        var inputs: [[UInt8]] = []
        for g in good { for n in 0..<g.count { inputs.append(Array(g[..<n])) } }
        for _ in 0..<3000 {
            var bytes = (0..<Int(rng.next() % 40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if !bytes.isEmpty { bytes[0] = 1 }   // the format version, to get past it
            inputs.append(bytes)
        }
        for bytes in inputs {
            _ = try? EnableRecord(decoding: bytes)
            _ = try? OutboxRecord(decoding: bytes)
            _ = try? SummaryRecord(decoding: bytes)
            _ = try? OptionsRecord(decoding: bytes)
            _ = try? SessionRecord(decoding: bytes)
            _ = try? RegRecord(decoding: bytes)
            _ = try? EnableKey(key: bytes)
            _ = try? OutboxRecord.sequence(key: bytes)
        }
    }
}

/// splitmix64, so failures reproduce.
struct SeededRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
