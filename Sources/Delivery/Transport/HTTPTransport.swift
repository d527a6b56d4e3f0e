import Synchronization

/// One thread running a curl multi loop: all requests to the same host share
/// a few long-lived HTTP/2 connections, multiplexed.
///
/// Connections stay open between requests (for hours, see
/// `Options.maxIdleConnectionSeconds`), as APNs demands; curl reads each
/// server's SETTINGS_MAX_CONCURRENT_STREAMS and queues requests for a free
/// stream. Until a new connection has answered once, only one request goes
/// out on it (see `ConnectionWarmup`): curl does not wait for the server's
/// first SETTINGS frame, and servers that allow fewer streams than curl
/// assumes (APNs before a token is accepted) would refuse the rest.
/// Redirects are never followed and only `http`/`https` URLs are
/// fetched. Proxy environment variables (`https_proxy`, `no_proxy`, …) are
/// honoured, as operators expect of curl.
public final class HTTPTransport: @unchecked Sendable {
    private let loop: CurlMultiLoop
    private let thread: TransportThread
    private let threadState = Mutex(ThreadState.running)

    private enum ThreadState { case running, joined, detached }

    /// Starts the transport thread.
    public init(options: Options = Options()) throws(HTTPFailure) {
        let loop = try CurlMultiLoop(options: options)
        self.loop = loop
        thread = try TransportThread(name: "nudge-http") { loop.run() }
    }

    deinit {
        close(deadlineMs: 0)
    }

    /// Thread-safe; never blocks on the network. `completion` runs on the
    /// transport thread and must be quick (it may hand work to another
    /// thread). After `close`, the completion runs at once, on the caller's
    /// thread, with a `.cancelled` failure.
    public func send(_ request: HTTPRequest,
                     completion: @escaping @Sendable (Result<HTTPResponse, HTTPFailure>) -> Void) {
        send(preparing: { request }, completion: completion)
    }

    /// Like `send`, but `prepare` builds the request on the transport
    /// thread, just before the transfer starts: CPU work such as
    /// encrypting a Web Push body stays off the caller's thread (the
    /// engine's writer). When `prepare` returns nil nothing is sent and
    /// `completion` is not called (`prepare` has dealt with the request).
    public func send(preparing prepare: @escaping @Sendable () -> HTTPRequest?,
                     completion: @escaping @Sendable (Result<HTTPResponse, HTTPFailure>) -> Void) {
        guard loop.inbox.submit(PendingSubmission(make: prepare, completion: completion)) else {
            completion(.failure(CurlTransfer.cancelled("the transport is closed")))
            return
        }
    }

    /// Requests submitted and not completed yet.
    public var inFlight: Int { loop.inbox.inFlight }

    /// Stops taking requests; waits up to `deadlineMs` for in-flight ones,
    /// then cancels the rest (their completions get `.cancelled`); joins the
    /// thread. Idempotent.
    ///
    /// Called from a completion (on the transport thread itself) it cannot
    /// wait for that thread: it starts the close and returns, and the thread
    /// ends on its own.
    public func close(deadlineMs: Int = 5_000) {
        loop.inbox.beginClose(deadline: TransportClock.nowMs() + max(0, deadlineMs))
        let onTransportThread = thread.isCurrent
        threadState.withLock { state in
            guard state == .running else { return }
            if onTransportThread {
                thread.detach()
                state = .detached
            } else {
                thread.join()
                state = .joined
            }
        }
    }
}
