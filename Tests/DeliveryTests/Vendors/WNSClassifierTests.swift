import Testing
@testable import NudgeDelivery
import NudgeCore

/// WNS's response codes, each to its outcome.
@Suite struct WNSClassifierTests {
    let now: Millis = 1_700_000_000_000

    func classify(_ status: Int, _ headers: [(name: String, value: String)] = [], body: String = "") -> DeliveryOutcome {
        WNSClassifier.classify(HTTPResponse(status: status, headers: headers, body: Array(body.utf8)), now: now).outcome
    }

    @Test func receivedAndDroppedAreDelivered() {
        #expect(classify(200, [("x-wns-status", "received"), ("x-wns-msg-id", "1ACE2D4E")]) == .delivered)
        #expect(classify(200, [("X-WNS-Status", "dropped"), ("x-wns-deviceconnectionstatus", "disconnected")]) == .delivered)
        #expect(classify(200) == .delivered)
    }

    @Test func unauthorizedRefreshesTheToken() {
        let verdict = WNSClassifier.classify(HTTPResponse(status: 401), now: now)
        #expect(verdict == .init(outcome: .retry(afterMs: 0, reason: "WNS 401 (empty body)"), accessTokenRejected: true))
    }

    @Test(arguments: [404, 410])
    func channelGone(status: Int) {
        #expect(classify(status, [("x-wns-error-description", "The channel expired")])
                == .tokenGone(vendorTimestamp: nil, reason: "WNS \(status): The channel expired"))
    }

    @Test func throttledBacksOff() {
        #expect(classify(406, [("x-wns-status", "channelthrottled")])
                == .retry(afterMs: 60_000, reason: "WNS 406 channelthrottled"))
        #expect(classify(406, [("retry-after", "300")]) == .retry(afterMs: 300_000, reason: "WNS 406 (empty body)"))
    }

    @Test func tooLargeIsRejected() {
        #expect(classify(413) == .rejected(reason: "WNS 413 (empty body)"))
    }

    @Test(arguments: [400, 403])
    func badRequestsAndForbiddenAreConfigErrors(status: Int) {
        #expect(classify(status, [("x-wns-error-description", "Invalid X-WNS-Type header")])
                == .configError(reason: "WNS \(status): Invalid X-WNS-Type header"))
    }

    @Test func serverTroubleIsRetried() {
        #expect(classify(500) == .retry(afterMs: nil, reason: "WNS 500 (empty body)"))
        #expect(classify(503, [("retry-after", "5")], body: "busy") == .retry(afterMs: 5_000, reason: "WNS 503: busy"))
    }

    @Test func answersOutsideTheTable() {
        #expect(classify(405) == .rejected(reason: "WNS 405 (empty body)"))
        #expect(classify(429, [("retry-after", "9")]) == .retry(afterMs: 9_000, reason: "WNS 429 (empty body)"))
        #expect(classify(302, body: "moved") == .retry(afterMs: nil, reason: "WNS 302: moved"))
    }

    @Test(arguments: [HTTPFailure.Kind.connect, .tls, .timeout, .protocolError, .cancelled, .other])
    func transportFailuresAreRetried(kind: HTTPFailure.Kind) throws {
        let backend = try VendorTestJobs.make(VendorTestJobs.wnsConfig()).backend
        let job = VendorTestJobs.job(vendor: "wns", token: "https://db5p.notify.windows.com/?token=x")
        #expect(backend.classify(.failure(HTTPFailure(kind: kind, message: "Connection reset")), job: job, now: now)
                == .retry(afterMs: nil, reason: "Connection reset"))
    }
}
