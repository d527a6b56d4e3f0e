import Synchronization
import Testing
import NudgeDelivery

/// Closing: what is in flight gets until the deadline, then `.cancelled`;
/// nothing is accepted afterwards.
@Suite struct TransportCloseTests {
    @Test func inFlightRequestsAreCancelledAfterTheDeadline() async throws {
        let server = try H2TestServer()
        let transport = try HTTPTransport()
        let results = Mutex<[Result<HTTPResponse, HTTPFailure>]>([])
        // Answers far beyond any delay of this test's own tasks: on a loaded
        // machine the sleep below has been seen to resume 10 s late.
        for _ in 0..<3 {
            transport.send(server.request("/slow/120000")) { result in results.withLock { $0.append(result) } }
        }
        #expect(transport.inFlight == 3)
        try await Task.sleep(for: .milliseconds(200))   // let them reach the server

        let started = TestClock.nowMs()
        transport.close(deadlineMs: 400)
        let elapsed = TestClock.nowMs() - started
        // close waited for its deadline; that it did not wait for the
        // answers is shown by the cancellations below.
        #expect(elapsed >= 350, "close took \(elapsed) ms")
        #expect(transport.inFlight == 0)
        let kinds = results.withLock { $0.map { $0.failure?.kind } }
        #expect(kinds == [.cancelled, .cancelled, .cancelled])
    }

    @Test func closeWaitsForRequestsThatFinishBeforeTheDeadline() async throws {
        let server = try H2TestServer()
        let transport = try HTTPTransport()
        let status = Mutex<Int?>(nil)
        transport.send(server.request("/slow/200")) { result in status.withLock { $0 = try? result.get().status } }
        transport.close(deadlineMs: 5000)
        #expect(status.withLock { $0 } == 200)
    }

    @Test func sendAfterCloseIsCancelledAtOnceAndCloseIsIdempotent() async throws {
        let transport = try HTTPTransport()
        transport.close()
        transport.close()
        let result = Mutex<Result<HTTPResponse, HTTPFailure>?>(nil)
        transport.send(HTTPRequest(url: "https://127.0.0.1:1/")) { r in result.withLock { $0 = r } }
        #expect(result.withLock { $0?.failure?.kind } == .cancelled)
        #expect(transport.inFlight == 0)
    }

    @Test func closeFromACompletionDoesNotDeadlock() async throws {
        let server = try H2TestServer()
        let transport = try HTTPTransport()
        let status = await withCheckedContinuation { continuation in
            transport.send(server.request("/echo")) { result in
                transport.close()
                continuation.resume(returning: (try? result.get().status) ?? 0)
            }
        }
        #expect(status == 200)
        transport.close()
        #expect(await transport.fetch(server.request("/echo")).failure?.kind == .cancelled)
    }
}
