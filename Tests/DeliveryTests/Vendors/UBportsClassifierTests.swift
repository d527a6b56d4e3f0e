import Testing
@testable import NudgeDelivery
import NudgeCore

/// The UBports push server's answers, each to its outcome.
@Suite struct UBportsClassifierTests {
    let now: Millis = 1_700_000_000_000

    func classify(_ answer: Result<HTTPResponse, HTTPFailure>) throws -> DeliveryOutcome {
        let backend = try VendorTestJobs.make(VendorTestJobs.ubportsConfig()).backend
        let job = VendorTestJobs.job(vendor: "ubuntu", token: "tok", extra: [("application-id", "a_b")])
        return backend.classify(answer, job: job, now: now)
    }

    @Test(arguments: [#"{"ok":true}"#, "", "<html>whatever</html>", #"{"ok":false}"#])
    func okIsDeliveredWhateverTheBody(body: String) throws {
        #expect(try classify(vendorResponse(200, body)) == .delivered)
    }

    @Test(arguments: ["unknown-token", "unknown-channel"])
    func unknownTokensAreGone(label: String) throws {
        #expect(try classify(vendorResponse(400, #"{"error":"\#(label)","message":"Unknown token"}"#))
                == .tokenGone(vendorTimestamp: nil, reason: "UBports 400 \(label): Unknown token"))
    }

    @Test func otherBadRequestsAreRejected() throws {
        #expect(try classify(vendorResponse(400, #"{"error":"invalid-request","message":"Missing data field"}"#))
                == .rejected(reason: "UBports 400 invalid-request: Missing data field"))
        #expect(try classify(vendorResponse(415, "")) == .rejected(reason: "UBports 415 (empty body)"))
        #expect(try classify(vendorResponse(413, #"{"error":"request-body-too-large"}"#))
                == .rejected(reason: "UBports 413 request-body-too-large"))
    }

    @Test func unauthorizedIsAConfigError() throws {
        #expect(try classify(vendorResponse(401, #"{"error":"unauthorized","message":"Unauthorized"}"#))
                == .configError(reason: "UBports 401 unauthorized: Unauthorized"))
    }

    @Test func tooManyPendingWaitsAMinute() throws {
        #expect(try classify(vendorResponse(413, #"{"error":"too-many-pending","message":"Too many pending notifications"}"#))
                == .retry(afterMs: 60_000, reason: "UBports 413 too-many-pending: Too many pending notifications"))
        #expect(try classify(vendorResponse(413, #"{"error":"too-many-pending"}"#, headers: [("retry-after", "600")]))
                == .retry(afterMs: 600_000, reason: "UBports 413 too-many-pending"))
    }

    @Test func serverTroubleIsRetried() throws {
        #expect(try classify(vendorResponse(503, #"{"error":"unavailable","message":"Could not store notification"}"#, headers: [("retry-after", "20")]))
                == .retry(afterMs: 20_000, reason: "UBports 503 unavailable: Could not store notification"))
        #expect(try classify(vendorResponse(500, #"{"error":"internal"}"#)) == .retry(afterMs: nil, reason: "UBports 500 internal"))
        #expect(try classify(vendorResponse(502, "bad gateway")) == .retry(afterMs: nil, reason: "UBports 502: bad gateway"))
        #expect(try classify(vendorResponse(429, "")) == .retry(afterMs: nil, reason: "UBports 429 (empty body)"))
    }

    @Test func answersOutsideTheTable() throws {
        #expect(try classify(vendorResponse(302, "")) == .retry(afterMs: nil, reason: "UBports 302 (empty body)"))
        #expect(try classify(vendorResponse(404, "nope")) == .rejected(reason: "UBports 404: nope"))
    }

    @Test(arguments: [HTTPFailure.Kind.connect, .tls, .timeout, .protocolError, .cancelled, .other])
    func transportFailuresAreRetried(kind: HTTPFailure.Kind) throws {
        #expect(try classify(.failure(HTTPFailure(kind: kind, message: "Timeout was reached")))
                == .retry(afterMs: nil, reason: "Timeout was reached"))
    }
}
