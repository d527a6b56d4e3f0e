import CCurl
import Synchronization

/// A request handed to `send`, waiting for the transport thread.
struct TransportSubmission: Sendable {
    let request: HTTPRequest
    let completion: @Sendable (Result<HTTPResponse, HTTPFailure>) -> Void
}

/// What callers queue: the request, or the work that builds it, run on the
/// transport thread just before the transfer starts (nil: nothing to send,
/// and no completion).
struct PendingSubmission: Sendable {
    let make: @Sendable () -> HTTPRequest?
    let completion: @Sendable (Result<HTTPResponse, HTTPFailure>) -> Void
}

/// Where callers' threads and the transport thread meet: the queue of new
/// requests, the close request and the in-flight count, under one mutex.
///
/// The multi handle's wakeup is signalled under the same mutex. The loop
/// leaves (and frees the multi handle) only after a `take` that saw the
/// close request, so every wakeup happens while the multi handle exists.
final class TransportInbox: @unchecked Sendable {
    /// What the transport thread picks up in one go.
    struct Batch {
        var submissions: [PendingSubmission]
        /// Set once `close` was called: the monotonic time after which what
        /// is still in flight gets cancelled. No submissions follow it.
        var closeDeadline: Int?
    }

    private struct State {
        var pending: [PendingSubmission] = []
        var closeDeadline: Int?
        var inFlight = 0
    }

    private let state = Mutex(State())
    private let multi: UnsafeMutableRawPointer

    init(multi: UnsafeMutableRawPointer) {
        self.multi = multi
    }

    /// Queues a submission and wakes the loop; false once closing.
    func submit(_ submission: PendingSubmission) -> Bool {
        let multi = multi
        return state.withLock { s in
            guard s.closeDeadline == nil else { return false }
            s.pending.append(submission)
            s.inFlight += 1
            _ = curl_multi_wakeup(multi)
            return true
        }
    }

    /// Stops accepting and asks the loop to finish by `deadline`. A later
    /// call can only bring the deadline forward.
    func beginClose(deadline: Int) {
        let multi = multi
        state.withLock { s in
            s.closeDeadline = min(s.closeDeadline ?? deadline, deadline)
            _ = curl_multi_wakeup(multi)
        }
    }

    /// Everything queued since the last call, and the close deadline if any.
    func take() -> Batch {
        state.withLock { s in
            let batch = Batch(submissions: s.pending, closeDeadline: s.closeDeadline)
            s.pending.removeAll()
            return batch
        }
    }

    /// One submission got its completion.
    func completed() {
        state.withLock { $0.inFlight -= 1 }
    }

    var inFlight: Int { state.withLock { $0.inFlight } }
}
