import NudgeCore
import NudgeStore
import NudgeXMPP

/// A unit of work for the writer thread.
struct Command: Sendable {
    var input: CoreInput
    /// Called after the commit (or its failure) with the admin result, for
    /// the few callers documented to wait.
    var completion: (@Sendable (Result<JSONObject, StoreError>) -> Void)?
}

/// The engine's one writer thread. It owns the write transactions and the
/// timers: it takes every waiting command, runs them through the core in
/// one transaction, commits once (one fsync for the whole group), and only
/// then applies the actions, so no acknowledgement leaves before the data
/// it acknowledges is on disk.
final class Writer: @unchecked Sendable {
    /// Commands per transaction at the most, so one huge burst does not
    /// hold every reply back until all of it is written.
    static let maxBatch = 4096
    /// When a commit failed (disk full), due timers are retried this much
    /// later rather than lost.
    static let failedTimerDelay: Millis = 5000

    private let core: ServerSide
    private let store: any Store
    private let clock: any Clock
    private let sink: ActionSink
    private let maxQueue: Int

    private let monitor = Monitor()
    private var inbox: [Command] = []
    private var stopping = false
    private var timers = TimerHeap()   // writer thread only
    private var thread: Thread?

    init(core: ServerSide, store: any Store, clock: any Clock, sink: ActionSink, maxQueue: Int) {
        self.core = core
        self.store = store
        self.clock = clock
        self.sink = sink
        self.maxQueue = maxQueue
    }

    func start(initialTimers: [(TimerKey, Millis)]) throws(ThreadError) {
        for (key, at) in initialTimers { timers.insert(key, at: at) }
        thread = try Thread(name: "nudge-writer") { [self] in run() }
    }

    /// False when the queue is full or the writer is stopping.
    func submit(_ command: Command) -> Bool {
        monitor.locked {
            guard !stopping, inbox.count < maxQueue else { return false }
            inbox.append(command)
            if inbox.count == 1 { monitor.signalAll() }
            return true
        }
    }

    var queued: Int { monitor.locked { inbox.count } }

    /// Lets the writer finish everything accepted so far, then joins it.
    func stop() {
        monitor.locked { stopping = true; monitor.signalAll() }
        thread?.join()
        thread = nil
    }

    private func run() {
        while true {
            var batch: [Command] = []
            batch.reserveCapacity(64)
            var finished = false
            monitor.locked {
                while inbox.isEmpty && !stopping {
                    if let due = timers.nextDue {
                        let wait = due - clock.now()
                        if wait <= 0 { break }
                        monitor.wait(millis: wait)
                    } else {
                        monitor.wait()
                    }
                }
                // Swap, never copy or shift, under the lock: host threads
                // must not wait while a deep backlog is moved around.
                swap(&batch, &inbox)
                finished = stopping
            }
            var start = 0
            repeat {
                let chunk = Array(batch[start..<min(start + Self.maxBatch, batch.count)])
                start += chunk.count
                let now = clock.now()
                var due: [TimerKey] = []
                for key in timers.popDue(now, limit: Self.maxBatch) {
                    if case .publishTimeout(let id) = key { sink.publishTimedOut(id) } else { due.append(key) }
                }
                if !chunk.isEmpty || !due.isEmpty { process(chunk, due, now: now) }
            } while start < batch.count
            if finished { return }
        }
    }

    private func process(_ batch: [Command], _ due: [TimerKey], now: Millis) {
        let inputs = batch.map(\.input) + due.map { CoreInput.timer($0) }
        do {
            let results = try commit(inputs, now: now)
            apply(results, batch)
        } catch let error as StoreError where error.kind != .full && error.kind != .unavailable && inputs.count > 1 {
            // One input may poison a whole group (a key LMDB refuses, say):
            // retry each alone so that the others still get through. A
            // full disk or an unreachable server fails them all alike.
            sink.log(.error, "store: a group commit failed (\(error.message)); retrying its \(inputs.count) changes one by one")
            for (i, input) in inputs.enumerated() {
                let command = i < batch.count ? [batch[i]] : []
                do {
                    apply(try commit([input], now: now), command)
                } catch {
                    let timer = i >= batch.count ? [due[i - batch.count]] : []
                    fail(command, [input], due: timer, error: Self.storeError(error), now: now)
                }
            }
        } catch {
            fail(batch, inputs, due: due, error: Self.storeError(error), now: now)
        }
    }

    private func commit(_ inputs: [CoreInput], now: Millis) throws -> [[CoreAction]] {
        try store.write { txn in
            // Re-run from scratch if LMDB had to grow the map: results of
            // an aborted attempt must not survive.
            var results: [[CoreAction]] = []
            results.reserveCapacity(inputs.count)
            for input in inputs { results.append(try core.handle(input, now: now, store: txn)) }
            return results
        }
    }

    private func apply(_ results: [[CoreAction]], _ batch: [Command]) {
        for (i, actions) in results.enumerated() {
            var adminResult = JSONObject()
            for action in actions {
                if case .schedule(let key, let at) = action {
                    timers.insert(key, at: at)
                    sink.apply(action)   // the sink counts retries
                } else if case .adminResult(let object) = action {
                    adminResult = object
                } else if case .pendingJob = action {
                    core.committed(action)
                } else {
                    sink.apply(action)
                }
            }
            if i < batch.count { batch[i].completion?(.success(adminResult)) }
        }
    }

    /// Nothing was committed: refuse what asked for an acknowledgement,
    /// and keep due timers for later, when space may have been freed.
    private func fail(_ batch: [Command], _ inputs: [CoreInput], due: [TimerKey], error: StoreError, now: Millis) {
        sink.storeFailed(error, changes: inputs.count)
        for (i, input) in inputs.enumerated() {
            if let reply = core.failureReply(for: input, error) { sink.apply(.send(reply)) }
            if i < batch.count { batch[i].completion?(.failure(error)) }
        }
        for key in due { timers.insert(key, at: now + Self.failedTimerDelay) }
    }

    private static func storeError(_ error: any Error) -> StoreError {
        (error as? StoreError) ?? StoreError(.io, "\(error)")
    }
}

/// Where the writer sends what it decided, after the commit.
protocol ActionSink: AnyObject, Sendable {
    func apply(_ action: CoreAction)
    func log(_ level: LogLevel, _ text: String)
    func storeFailed(_ error: StoreError, changes: Int)
    func publishTimedOut(_ id: String)
}
