import Glibc
import Synchronization

/// What the other nodes sharing the database do that this engine must
/// hear of. Called on the listener's thread.
public protocol NodeObserver: AnyObject, Sendable {
    /// Another node committed a change to `user`'s enablements.
    func enablementsChanged(user: String)
    /// Notifications may have been lost (the connection was replaced):
    /// everything followed must be read again.
    func missedChanges()
    /// Outbox jobs due now that no live node holds, for this node to claim.
    func orphanedJobs(_ seqs: [UInt64])
    /// Follow-ups overdue by more than a lease, by the enablement's key:
    /// the node whose timer they were is gone.
    func overdueFollowUps(_ keys: [EnableKey])
    /// A failure of the listener worth one log line (it retries by itself).
    func listenerFailed(_ message: String)
}

/// The node's own connection for what is not a transaction of the core's:
/// it LISTENs for the other nodes' enablement changes, writes this node's
/// heartbeat every third of the lease, and every half lease looks for jobs
/// of dead nodes and for follow-ups overdue by more than a lease. It runs on a thread of its own and connects again by
/// itself (one attempt a second) when the server goes away.
final class PGListener: @unchecked Sendable {
    private let parameters: [(String, String)]
    private let label: String
    private let node: PGNode
    private weak var observer: (any NodeObserver)?
    private let now: @Sendable () -> Int64
    private let stopping = Atomic<Bool>(false)
    private var thread = pthread_t()
    /// Connected and listening before `init` returns, so that a change
    /// committed after it is heard; the thread's from then on.
    private var first: PGConnection?

    init(parameters: [(String, String)], label: String, node: PGNode, observer: any NodeObserver,
         now: @escaping @Sendable () -> Int64) throws(StoreError) {
        self.parameters = parameters
        self.label = label
        self.node = node
        self.observer = observer
        self.now = now
        first = try Self.listening(parameters, label)
        let me = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&thread, nil, { raw in
            let listener = Unmanaged<PGListener>.fromOpaque(raw!).takeRetainedValue()
            listener.run()
            return nil
        }, me)
        guard rc == 0 else {
            Unmanaged<PGListener>.fromOpaque(me).release()
            throw StoreError(.io, "PostgreSQL store \(label): cannot start the listener thread (error \(rc))")
        }
    }

    /// Ends the thread (within a second) and waits for it.
    func stop() {
        stopping.store(true, ordering: .releasing)
        pthread_join(thread, nil)
    }

    private var heartbeatEvery: Int64 { Int64(max(1, node.leaseS / 3)) * 1000 }
    private var sweepEvery: Int64 { Int64(max(1, node.leaseS / 2)) * 1000 }

    private func run() {
        var connection = first
        first = nil
        var connectedBefore = connection != nil
        var failing = false
        var nextBeat: Int64 = 0, nextSweep: Int64 = 0
        while !stopping.load(ordering: .acquiring) {
            do throws(StoreError) {
                if connection == nil {
                    connection = try Self.listening(parameters, label)
                    // What changed while no one listened is read again.
                    if connectedBefore { observer?.missedChanges() }
                    connectedBefore = true
                    if failing { observer?.listenerFailed("PostgreSQL store \(label): the node's listener is connected again") }
                    failing = false
                }
                let c = connection!
                let t = Self.monotonicMillis()
                do throws(PGFailure) {
                    if t >= nextBeat {
                        _ = try c.query(PGSQL.heartbeat, [Array(node.id.utf8)])
                        nextBeat = t + heartbeatEvery
                    }
                    if t >= nextSweep {
                        let rows = try c.query(PGSQL.orphans(node), [PGSQL.int8(Int(now())), Array(node.id.utf8)])
                        let seqs = (0..<rows.count).compactMap { rows.bytes($0, 0).flatMap { try? OutboxRecord.sequence(key: $0) } }
                        if !seqs.isEmpty { observer?.orphanedJobs(seqs) }
                        let late = try c.query(PGSQL.overdueFollowUps, [PGSQL.int8(Int(now()) - node.leaseS * 1000)])
                        let keys = (0..<late.count).compactMap { late.bytes($0, 0).flatMap { try? EnableKey(key: $0) } }
                        if !keys.isEmpty { observer?.overdueFollowUps(keys) }
                        nextSweep = t + sweepEvery
                    }
                    let wait = Int32(max(0, min(1000, min(nextBeat, nextSweep) - Self.monotonicMillis())))
                    for (channel, payload) in try c.awaitNotifications(millis: wait) where channel == PGSQL.enableChannel {
                        guard let space = payload.firstIndex(of: " ") else { continue }
                        guard payload[..<space] != node.id[...] else { continue }   // our own commit
                        observer?.enablementsChanged(user: String(payload[payload.index(after: space)...]))
                    }
                } catch {
                    if error.connectionLost { connection = nil }
                    throw error.storeError
                }
            } catch {
                if !failing { observer?.listenerFailed("\(error.message); the node's listener retries every second") }
                failing = true
                sleepOneSecond()
            }
        }
    }

    private static func listening(_ parameters: [(String, String)], _ label: String) throws(StoreError) -> PGConnection {
        let connection = try PGConnection(parameters, label: label)
        do throws(PGFailure) { try connection.execute("LISTEN \(PGSQL.enableChannel)") } catch { throw error.storeError }
        return connection
    }

    private func sleepOneSecond() {
        for _ in 0..<10 where !stopping.load(ordering: .acquiring) { usleep(100_000) }
    }

    private static func monotonicMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
