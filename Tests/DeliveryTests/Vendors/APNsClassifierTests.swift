import Testing
@testable import NudgeDelivery
import NudgeCore

/// Every status and reason of VENDORS.md's APNs table, and answers Apple never gives.
@Suite struct APNsClassifierTests {
    let directory = VendorTestDirectory()
    let now: Millis = 1_700_000_000_000

    /// One row of Apple's table and the outcome it must give.
    struct Row: CustomTestStringConvertible, Sendable {
        var status: Int
        var reason: String
        var outcome: DeliveryOutcome
        var testDescription: String { "\(status) \(reason)" }

        init(_ status: Int, _ reason: String, _ make: (String) -> DeliveryOutcome) {
            self.status = status
            self.reason = reason
            self.outcome = make("APNs \(status) \(reason)")
        }
    }

    static func gone(_ r: String) -> DeliveryOutcome { .tokenGone(vendorTimestamp: nil, reason: r) }
    static func rejected(_ r: String) -> DeliveryOutcome { .rejected(reason: r) }
    static func config(_ r: String) -> DeliveryOutcome { .configError(reason: r) }
    static func retry(_ r: String) -> DeliveryOutcome { .retry(afterMs: nil, reason: r) }

    static let table: [Row] = [
        Row(400, "BadCollapseId", rejected),
        Row(400, "BadDeviceToken", gone),
        Row(400, "BadExpirationDate", rejected),
        Row(400, "BadMessageId", rejected),
        Row(400, "BadPriority", rejected),
        Row(400, "BadTopic", config),
        Row(400, "DeviceTokenNotForTopic", gone),
        Row(400, "DuplicateHeaders", rejected),
        Row(400, "IdleTimeout", retry),
        Row(400, "InvalidPushType", config),
        Row(400, "MissingDeviceToken", rejected),
        Row(400, "MissingTopic", config),
        Row(400, "PayloadEmpty", rejected),
        Row(400, "TopicDisallowed", config),
        Row(403, "BadCertificate", config),
        Row(403, "BadCertificateEnvironment", config),
        Row(403, "Forbidden", config),
        Row(403, "InvalidProviderToken", config),
        Row(403, "MissingProviderToken", config),
        Row(403, "UnrelatedKeyIdInToken", config),
        Row(404, "BadPath", config),
        Row(405, "MethodNotAllowed", config),
        Row(410, "ExpiredToken", { .tokenGone(vendorTimestamp: 1_699_999_000_000, reason: $0) }),
        Row(410, "Unregistered", { .tokenGone(vendorTimestamp: 1_699_999_000_000, reason: $0) }),
        Row(413, "PayloadTooLarge", rejected),
        Row(429, "TooManyProviderTokenUpdates", { .retry(afterMs: 60_000, reason: $0) }),
        Row(429, "TooManyRequests", retry),
        Row(500, "InternalServerError", retry),
        Row(503, "ServiceUnavailable", retry),
        Row(503, "Shutdown", retry),
    ]

    func classify(_ answer: Result<HTTPResponse, HTTPFailure>) throws -> DeliveryOutcome {
        let backend = try VendorTestJobs.make(VendorTestJobs.apnsConfig(directory)).backend
        return backend.classify(answer, job: VendorTestJobs.job(), now: now)
    }

    @Test(arguments: table)
    func appleTable(row: Row) throws {
        let timestamp = row.status == 410 ? #","timestamp":1699999000000"# : ""
        #expect(try classify(vendorResponse(row.status, #"{"reason":""# + row.reason + #"""# + timestamp + "}")) == row.outcome)
    }

    @Test func expiredProviderTokenRetriesSoon() throws {
        let outcome = try classify(vendorResponse(403, #"{"reason":"ExpiredProviderToken"}"#))
        guard case .retry(let after?, "APNs 403 ExpiredProviderToken") = outcome else {
            Issue.record("unexpected \(outcome)")
            return
        }
        #expect((0...1000).contains(after))
    }

    @Test func successIsDeliveredWhateverTheBody() throws {
        #expect(try classify(vendorResponse(200, "", headers: [("apns-id", "5e5a3b8c-0000-4000-8000-000000000000")])) == .delivered)
        #expect(try classify(vendorResponse(200, "<not json>")) == .delivered)
    }

    @Test func goneWithoutTimestamp() throws {
        #expect(try classify(vendorResponse(410, #"{"reason":"Unregistered"}"#))
                == .tokenGone(vendorTimestamp: nil, reason: "APNs 410 Unregistered"))
        #expect(try classify(vendorResponse(410, #"{"reason":"Unregistered","timestamp":"1699999000000"}"#))
                == .tokenGone(vendorTimestamp: 1_699_999_000_000, reason: "APNs 410 Unregistered"))
        #expect(try classify(vendorResponse(410, #"{"reason":"Unregistered","timestamp":-5}"#))
                == .tokenGone(vendorTimestamp: nil, reason: "APNs 410 Unregistered"))
    }

    @Test func retryAfterIsHonoured() throws {
        #expect(try classify(vendorResponse(429, #"{"reason":"TooManyRequests"}"#, headers: [("retry-after", "30")]))
                == .retry(afterMs: 30_000, reason: "APNs 429 TooManyRequests"))
        #expect(try classify(vendorResponse(503, #"{"reason":"Shutdown"}"#, headers: [("Retry-After", "2")]))
                == .retry(afterMs: 2_000, reason: "APNs 503 Shutdown"))
        #expect(try classify(vendorResponse(500, #"{"reason":"InternalServerError"}"#, headers: [("retry-after", "Tue, 14 Nov 2023 22:13:10 GMT")]))
                == .retry(afterMs: 0, reason: "APNs 500 InternalServerError"))
        #expect(try classify(vendorResponse(503, #"{"reason":"ServiceUnavailable"}"#, headers: [("retry-after", "Tue, 14 Nov 2023 22:13:30 GMT")]))
                == .retry(afterMs: 10_000, reason: "APNs 503 ServiceUnavailable"))
    }

    @Test func answersOutsideTheTable() throws {
        #expect(try classify(vendorResponse(502, "<html>Bad Gateway</html>"))
                == .retry(afterMs: nil, reason: "APNs 502: <html>Bad Gateway</html>"))
        #expect(try classify(vendorResponse(500, "")) == .retry(afterMs: nil, reason: "APNs 500 (empty body)"))
        #expect(try classify(vendorResponse(201, "{}")) == .retry(afterMs: nil, reason: "APNs 201: {}"))
        #expect(try classify(vendorResponse(204)) == .retry(afterMs: nil, reason: "APNs 204 (empty body)"))
        #expect(try classify(vendorResponse(302, "moved")) == .retry(afterMs: nil, reason: "APNs 302: moved"))
        #expect(try classify(vendorResponse(599, #"{"reason":"Whatever"}"#)) == .retry(afterMs: nil, reason: "APNs 599 Whatever"))
        #expect(try classify(vendorResponse(404, "not found\nat all")) == .rejected(reason: "APNs 404: not found at all"))
        #expect(try classify(vendorResponse(404, #"{"reason":"NoSuchThing"}"#)) == .rejected(reason: "APNs 404 NoSuchThing"))
        #expect(try classify(vendorResponse(400, "{}")) == .rejected(reason: "APNs 400: {}"))
        #expect(try classify(vendorResponse(400, #"{"reason":"SomethingNew"}"#)) == .rejected(reason: "APNs 400 SomethingNew"))
        #expect(try classify(vendorResponse(403, #"{"reason":"SomethingNew"}"#)) == .rejected(reason: "APNs 403 SomethingNew"))
        #expect(try classify(vendorResponse(410, "gone")) == .rejected(reason: "APNs 410: gone"))
        #expect(try classify(vendorResponse(418, #"{"reason":42}"#)) == .rejected(reason: #"APNs 418: {"reason":42}"#))
        #expect(try classify(vendorResponse(429, "slow down")) == .retry(afterMs: nil, reason: "APNs 429: slow down"))
        let invalidUTF8 = HTTPResponse(status: 503, body: [0xFF, 0xFE, 0x41])
        #expect(try classify(.success(invalidUTF8)) == .retry(afterMs: nil, reason: "APNs 503: \u{FFFD}\u{FFFD}A"))
    }

    @Test func longBodiesAreQuotedInPart() throws {
        let outcome = try classify(vendorResponse(502, String(repeating: "z", count: 1000)))
        let expected: String = "APNs 502: " + String(repeating: "z", count: 80) + "…"
        #expect(outcome == .retry(afterMs: nil, reason: expected))
    }

    @Test(arguments: [HTTPFailure.Kind.connect, .tls, .timeout, .protocolError, .tooLarge, .cancelled, .other])
    func transportFailuresAreRetried(kind: HTTPFailure.Kind) throws {
        let failure = HTTPFailure(kind: kind, message: "Connection refused")
        #expect(try classify(.failure(failure)) == .retry(afterMs: nil, reason: "Connection refused"))
    }
}
