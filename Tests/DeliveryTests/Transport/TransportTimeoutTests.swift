import Testing
import NudgeDelivery

/// A request's `timeoutMs` runs from when it is sent; the wait before that
/// is bounded on its own (`maxWaitToSendMs`). Timing in these tests only
/// decides which of two outcomes happens, with wide margins either way:
/// the first request holds the only stream for seconds, so the second
/// queues behind it even when the test's own tasks are scheduled late.
@Suite struct TransportTimeoutTests {
    /// One connection, one stream: the second request waits for the first's
    /// slow answer before it is sent.
    private func oneStream(_ configure: (inout HTTPTransport.Options) -> Void = { _ in }) throws -> (H2TestServer, HTTPTransport) {
        let server = try H2TestServer(["--max-streams", "1"])
        var options = HTTPTransport.Options()
        options.maxConnectionsPerHost = 1
        options.maxTotalConnections = 1
        configure(&options)
        return (server, try HTTPTransport(options: options))
    }

    /// Submits now, in this order (`fetch` in `async let` would not keep
    /// it); the answer is awaited later.
    private func submit(_ transport: HTTPTransport, _ request: HTTPRequest) -> AsyncStream<Result<HTTPResponse, HTTPFailure>> {
        let (answers, continuation) = AsyncStream<Result<HTTPResponse, HTTPFailure>>.makeStream()
        transport.send(request) { result in
            continuation.yield(result)
            continuation.finish()
        }
        return answers
    }

    /// Waits until the server has received one request besides the /stats
    /// ones asked here (on a connection of their own) and the `earlier`
    /// ones already answered, so that the next request is certain to queue
    /// behind it.
    private func untilSent(_ server: H2TestServer, earlier: Int = 0) async throws {
        let observer = try HTTPTransport()
        defer { observer.close() }
        for asked in 1...500 {
            if try await server.stats(via: observer).streams > asked + earlier { return }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        Issue.record("the first request never reached the server")
    }

    private func answer(_ answers: AsyncStream<Result<HTTPResponse, HTTPFailure>>) async -> Result<HTTPResponse, HTTPFailure>? {
        var iterator = answers.makeAsyncIterator()
        return await iterator.next()
    }

    @Test func aRequestThatWaitedToBeSentStillGetsItsWholeTimeout() async throws {
        let (server, transport) = try oneStream()
        defer { transport.close() }
        var slow = server.request("/slow/4000")
        slow.timeoutMs = 10_000
        var quick = server.request("/slow/50")
        // Shorter than the wait for the stream: counted from the submit, as
        // it once was, it would run out before the request is even sent.
        quick.timeoutMs = 1_200
        let first = submit(transport, slow)
        try await untilSent(server)
        let second = submit(transport, quick)
        let b = try #require(await answer(second))
        #expect(b.status == 200, "\(String(describing: b.failure))")
        #expect(await answer(first)?.status == 200)
    }

    @Test func aRequestThatCannotBeSentInTimeFailsAsATimeout() async throws {
        let (server, transport) = try oneStream { $0.maxWaitToSendMs = 300 }
        defer { transport.close() }
        // One answer first, so that libcurl has read the server's SETTINGS
        // (one stream) before the test relies on it: on a loaded machine it
        // could otherwise still assume the default limit, put the second
        // request on the connection as sent, and see it refused and retried
        // by itself once the first one ends.
        #expect(await answer(submit(transport, server.request("/echo")))?.status == 200)
        var slow = server.request("/slow/15000")   // long past any delay of the test's own tasks
        slow.timeoutMs = 30_000
        let first = submit(transport, slow)
        try await untilSent(server, earlier: 1)
        let waiting = try #require(await answer(submit(transport, server.request("/echo"))))
        let failure = try #require(waiting.failure)
        #expect(failure.kind == .timeout)
        #expect(failure.message.contains("waiting"), "\(failure.message)")
        #expect(await answer(first)?.status == 200)
    }
}
