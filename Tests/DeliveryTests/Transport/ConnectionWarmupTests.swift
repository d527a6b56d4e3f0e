import Testing
@testable import NudgeDelivery

/// The warm-up gate on its own: one probe per new connection, the rest
/// held until it answers, released when it answers, fails or closes.
@Suite struct ConnectionWarmupTests {
    private let a = CurlConnectionKey(localIP: "127.0.0.1", localPort: 40000, remoteIP: "127.0.0.1", remotePort: 443)
    private let b = CurlConnectionKey(localIP: "127.0.0.1", localPort: 40001, remoteIP: "127.0.0.1", remotePort: 443)

    private func request(_ deadline: Int) -> ConnectionWarmup.HeldRequest {
        .init(submission: TransportSubmission(request: HTTPRequest(url: "https://example.net/"), completion: { _ in }),
              deadline: deadline)
    }

    @Test func firstIsTheProbeOthersWaitUntilItAnswers() {
        let warmup = ConnectionWarmup()
        #expect(warmup.admit(on: a) == .probe)
        #expect(warmup.admit(on: a) == .hold)
        #expect(warmup.admit(on: b) == .probe)
        warmup.hold(request(100), behind: a)
        warmup.hold(request(200), behind: a)
        #expect(warmup.takeReleased().isEmpty)
        #expect(warmup.nextDeadline == 100)

        warmup.answered(on: a)
        #expect(warmup.takeReleased().map(\.deadline) == [100, 200])
        #expect(warmup.admit(on: a) == .proceed)
        #expect(warmup.admit(on: b) == .hold)
        #expect(warmup.isEmpty)
    }

    @Test func heldAfterTheAnswerGoesStraightBack() {
        let warmup = ConnectionWarmup()
        _ = warmup.admit(on: a)
        warmup.answered(on: a)
        warmup.hold(request(5), behind: a)
        #expect(warmup.hasReleased)
        #expect(warmup.takeReleased().count == 1)
    }

    @Test func failedProbeOrClosedConnectionReleasesAndStartsOver() {
        let warmup = ConnectionWarmup()
        _ = warmup.admit(on: a)
        warmup.hold(request(1), behind: a)
        warmup.probeFailed(on: a)
        #expect(warmup.takeReleased().count == 1)
        #expect(warmup.admit(on: a) == .probe)

        warmup.hold(request(2), behind: a)
        warmup.closed(a)
        #expect(warmup.takeReleased().count == 1)
        #expect(warmup.admit(on: a) == .probe)   // a new connection that reuses the port
    }

    @Test func expiredAndAllAreTakenOut() {
        let warmup = ConnectionWarmup()
        _ = warmup.admit(on: a)
        warmup.hold(request(10), behind: a)
        warmup.hold(request(30), behind: a)
        #expect(warmup.takeExpired(now: 20).map(\.deadline) == [10])
        #expect(warmup.nextDeadline == 30)
        #expect(warmup.takeAll().map(\.deadline) == [30])
        #expect(warmup.isEmpty)
    }
}
