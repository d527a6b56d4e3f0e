@testable import NudgeStore
import Synchronization
import Testing

/// Several engines on one database, each a node: what they share, what
/// each keeps, and how they decide who sends an outbox job.
@Suite("PostgreSQL nodes")
struct PostgreSQLNodesTests {
    func open(_ url: String, _ node: String) throws -> PostgreSQLStore {
        var options = PostgreSQLStore.Options(url: try PostgreSQLURL(url), nodeID: node)
        options.nodeLeaseS = 3
        return try PostgreSQLStore(options)
    }

    func job(_ at: Int64 = 0) -> OutboxRecord {
        OutboxRecord(service: "push.example", node: "n1", payload: b("<x/>"), reason: "publish", priority: 0,
                     attempts: 0, notBefore: at, createdAt: at)
    }

    /// A node whose heartbeat stopped `seconds` ago, as a killed one's does.
    func age(_ url: String, _ node: String, seconds: Int) throws {
        try PostgreSQLServer.execute(url, "UPDATE nudge_nodes SET last_seen = now() - interval '\(seconds) seconds' WHERE node_id = '\(node)'")
    }

    @Test func nodesShareStateButNotSessionsOrTheCleanFlag() throws {
        try PostgreSQLServer.withDatabase { url in
            let a = try open(url, "a")
            let b1 = try open(url, "b")
            defer { b1.close(markClean: true) }
            // b's first open of a store a made: no run of b's before, not a crash of one.
            #expect(b1.openReport.previousShutdownClean == nil)
            try a.write { w in
                try w.put(.regOwner, b("node"), b("r"))
                try w.putSession("u@x/phone", SessionRecord(state: .pending, since: 1, wakeAt: nil))
            }
            #expect(try b1.read { r in try r.get(.regOwner, b("node")) } == b("r"))
            #expect(try b1.read { r in try r.session("u@x/phone") } == nil)
            #expect(try a.read { r in try r.session("u@x/phone") }?.state == .pending)
            try b1.write { w in try w.putSession("u@x/laptop", SessionRecord(state: .online, since: 2, wakeAt: nil)) }
            #expect(try a.read { r in try r.sessions(ofUser: "u@x") } == ["u@x/phone"])
            a.close(markClean: false)
            // b closing cleanly says nothing about a.
            let again = try open(url, "a")
            defer { again.close(markClean: true) }
            #expect(again.openReport.previousShutdownClean == false)
            #expect(try again.read { r in try r.session("u@x/phone") }?.state == .pending)
        }
    }

    @Test func aJobIsClaimedByOneLiveNodeAndTakenOverFromADeadOne() throws {
        try PostgreSQLServer.withDatabase { url in
            let a = try open(url, "a")
            let b1 = try open(url, "b")
            defer { a.close(markClean: true); b1.close(markClean: true) }
            let seq = try a.write { w in try w.appendOutbox(job()) }
            #expect(try b1.write { w in try w.claimOutbox(seq) } == false)
            #expect(try a.write { w in try w.claimOutbox(seq) } == true)
            try age(url, "a", seconds: 60)
            #expect(try b1.write { w in try w.claimOutbox(seq) } == true)
            #expect(try a.write { w in try w.claimOutbox(seq) } == false)
        }
    }

    /// Two nodes claiming one job at once: the one whose snapshot is older
    /// than the other's committed claim fails with a serialization
    /// failure; run again, it sees the job held by a live node.
    @Test func twoClaimsAtOnceLeaveOneWinner() throws {
        try PostgreSQLServer.withDatabase { url in
            let a = try open(url, "a")
            let b1 = try open(url, "b")
            let c = try open(url, "c")
            defer { a.close(markClean: true); b1.close(markClean: true); c.close(markClean: true) }
            let seq = try a.write { w in try w.appendOutbox(job()) }
            try age(url, "a", seconds: 60)
            var runs = 0
            var cWon: Bool?
            let bWon = try b1.write { w in
                runs += 1
                _ = try w.outbox(seq)   // the snapshot: taken at the first read
                if runs == 1 { cWon = try c.write { w in try w.claimOutbox(seq) } }
                return try w.claimOutbox(seq)
            }
            #expect(cWon == true)
            #expect(runs == 2)
            #expect(bWon == false)
        }
    }

    /// A row another node deleted after this transaction read it: the put
    /// does not bring it back; the body runs again and sees it gone.
    @Test func aPutDoesNotResurrectARowAnotherNodeDeleted() throws {
        try PostgreSQLServer.withDatabase { url in
            let a = try open(url, "a")
            let b1 = try open(url, "b")
            defer { a.close(markClean: true); b1.close(markClean: true) }
            let seq = try a.write { w in try w.appendOutbox(job()) }
            var runs = 0
            try b1.write { w in
                runs += 1
                guard var found = try w.outbox(seq) else { return }
                if runs == 1 { try a.write { w in try w.deleteOutbox(seq) } }
                found.revision += 1
                try w.putOutbox(seq, found)
            }
            #expect(runs == 2)
            #expect(try a.read { r in try r.outbox(seq) } == nil)
        }
    }

    /// Appends on two nodes at once take numbers from a sequence: no row
    /// they both write, so neither runs again; a database numbered by the
    /// meta counter before keeps counting past it.
    @Test func appendsOnTwoNodesDoNotConflictAndContinueTheOldCounter() throws {
        try PostgreSQLServer.withDatabase { url in
            let a = try open(url, "a")
            try a.write { w in try w.put(.meta, Schema.MetaKey.outboxNext, OutboxRecord.key(100)) }
            a.close(markClean: true)
            let a2 = try open(url, "a")
            let b1 = try open(url, "b")
            defer { a2.close(markClean: true); b1.close(markClean: true) }
            var runs = 0
            var inner: UInt64 = 0
            let outer = try a2.write { w in
                runs += 1
                _ = try w.get(.meta, Schema.MetaKey.schema)
                if runs == 1 { inner = try b1.write { w in try w.appendOutbox(job()) } }
                return try w.appendOutbox(job())
            }
            #expect(runs == 1)
            #expect(inner == 100 && outer == 101)
        }
    }

    final class Observer: NodeObserver, @unchecked Sendable {
        let users = Mutex<[String]>([])
        let orphans = Mutex<[UInt64]>([])
        func enablementsChanged(user: String) { users.withLock { $0.append(user) } }
        func missedChanges() {}
        func orphanedJobs(_ seqs: [UInt64]) { orphans.withLock { $0 += seqs } }
        let lateFollowUps = Mutex<[EnableKey]>([])
        func overdueFollowUps(_ keys: [EnableKey]) { lateFollowUps.withLock { $0 += keys } }
        let failures = Mutex<[String]>([])
        func listenerFailed(_ message: String) { failures.withLock { $0.append(message) } }
    }

    @Test func anotherNodesEnablementChangesAndADeadNodesJobsAreReported() throws {
        try PostgreSQLServer.withDatabase { url in
            let a = try open(url, "a")
            let b1 = try open(url, "b")
            defer { a.close(markClean: true); b1.close(markClean: true) }
            let observer = Observer()
            try b1.follow(observer, now: { 10_000 })
            let key = EnableKey(user: "u@x", service: "push.example", node: "n1")
            try a.write { w in try w.putEnable(key, EnableRecord(resource: "phone", publishOptions: [], enabledAt: 1)) }
            try b1.write { w in try w.deleteEnable(key) }   // its own: not reported
            #expect(waitUntil { observer.users.withLock { $0 } == ["u@x"] })
            #expect(observer.failures.withLock { $0 } == [])
            let due = try a.write { w in try w.appendOutbox(job(500)) }
            _ = try a.write { w in try w.appendOutbox(job(50_000)) }   // not due yet
            let late = EnableKey(user: "u@x", service: "push.example", node: "late")
            let soon = EnableKey(user: "u@x", service: "push.example", node: "soon")
            try a.write { w in
                // Overdue by more than the lease (3 s) at 10 s; within it.
                try w.putSummary(late, SummaryRecord(messageCount: 1, subscriptionCount: 0, lastSender: nil, lastBody: nil,
                                                     lastPushAt: 1000, followUpAt: 6000, burst: 1))
                try w.putSummary(soon, SummaryRecord(messageCount: 1, subscriptionCount: 0, lastSender: nil, lastBody: nil,
                                                     lastPushAt: 1000, followUpAt: 8000, burst: 1))
            }
            a.close(markClean: true)   // leaves its jobs at once
            #expect(waitUntil { observer.orphans.withLock { $0 } == [due] })
            #expect(waitUntil { observer.lateFollowUps.withLock { $0.first } == late })
            #expect(!observer.lateFollowUps.withLock { $0 }.contains(soon))
        }
    }
}
