import Testing
@testable import NudgeDelivery
import NudgeCore

/// Every errorCode of VENDORS.md's FCM table, status fallbacks, Retry-After and garbage.
@Suite struct FCMClassifierTests {
    let directory = VendorTestDirectory()
    let now: Millis = 1_700_000_000_000

    func classify(_ answer: Result<HTTPResponse, HTTPFailure>) throws -> DeliveryOutcome {
        let backend = try VendorTestJobs.make(VendorTestJobs.fcmConfig(directory)).backend
        return backend.classify(answer, job: VendorTestJobs.job(vendor: "fcm", token: VendorTestJobs.fcmToken), now: now)
    }

    /// Google's error body, with an FcmError detail when `errorCode` is given.
    static func body(_ code: Int, _ status: String, _ errorCode: String?, message: String? = nil) -> String {
        let detail = errorCode.map { #","details":[{"@type":"type.googleapis.com/google.rpc.BadRequest"},{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"\#($0)"}]"# } ?? ""
        let text = message.map { #","message":"\#($0)""# } ?? ""
        return #"{"error":{"code":\#(code)\#(text),"status":"\#(status)"\#(detail)}}"#
    }

    struct Row: CustomTestStringConvertible, Sendable {
        var http: Int
        var status: String
        var errorCode: String
        var outcome: DeliveryOutcome
        var testDescription: String { errorCode }
    }

    static let table: [Row] = [
        Row(http: 400, status: "INVALID_ARGUMENT", errorCode: "INVALID_ARGUMENT", outcome: .rejected(reason: "FCM 400 INVALID_ARGUMENT")),
        Row(http: 401, status: "UNAUTHENTICATED", errorCode: "THIRD_PARTY_AUTH_ERROR", outcome: .configError(reason: "FCM 401 THIRD_PARTY_AUTH_ERROR")),
        Row(http: 403, status: "PERMISSION_DENIED", errorCode: "SENDER_ID_MISMATCH", outcome: .tokenGone(vendorTimestamp: nil, reason: "FCM 403 SENDER_ID_MISMATCH")),
        Row(http: 404, status: "NOT_FOUND", errorCode: "UNREGISTERED", outcome: .tokenGone(vendorTimestamp: nil, reason: "FCM 404 UNREGISTERED")),
        Row(http: 429, status: "RESOURCE_EXHAUSTED", errorCode: "QUOTA_EXCEEDED", outcome: .retry(afterMs: 60_000, reason: "FCM 429 QUOTA_EXCEEDED")),
        Row(http: 500, status: "INTERNAL", errorCode: "INTERNAL", outcome: .retry(afterMs: nil, reason: "FCM 500 INTERNAL")),
        Row(http: 503, status: "UNAVAILABLE", errorCode: "UNAVAILABLE", outcome: .retry(afterMs: nil, reason: "FCM 503 UNAVAILABLE")),
    ]

    @Test(arguments: table)
    func fcmTable(row: Row) throws {
        #expect(try classify(vendorResponse(row.http, Self.body(row.http, row.status, row.errorCode))) == row.outcome)
    }

    @Test func successIsDeliveredWhateverTheBody() throws {
        #expect(try classify(vendorResponse(200, #"{"name":"projects/nudge-test/messages/0:1700000000000000%abc"}"#)) == .delivered)
        #expect(try classify(vendorResponse(200, "OK")) == .delivered)
        #expect(try classify(vendorResponse(200)) == .delivered)
    }

    @Test func messageIsQuoted() throws {
        let body = Self.body(404, "NOT_FOUND", "UNREGISTERED", message: "Requested entity was not found.")
        #expect(try classify(vendorResponse(404, body)) == .tokenGone(vendorTimestamp: nil, reason: "FCM 404 UNREGISTERED: Requested entity was not found."))
    }

    @Test func statusIsTheFallback() throws {
        #expect(try classify(vendorResponse(400, Self.body(400, "INVALID_ARGUMENT", nil))) == .rejected(reason: "FCM 400 INVALID_ARGUMENT"))
        #expect(try classify(vendorResponse(503, Self.body(503, "UNAVAILABLE", nil))) == .retry(afterMs: nil, reason: "FCM 503 UNAVAILABLE"))
        #expect(try classify(vendorResponse(500, Self.body(500, "INTERNAL", nil))) == .retry(afterMs: nil, reason: "FCM 500 INTERNAL"))
        #expect(try classify(vendorResponse(429, Self.body(429, "RESOURCE_EXHAUSTED", nil))) == .retry(afterMs: 60_000, reason: "FCM 429 RESOURCE_EXHAUSTED"))
        #expect(try classify(vendorResponse(403, Self.body(403, "PERMISSION_DENIED", nil))) == .configError(reason: "FCM 403 PERMISSION_DENIED"))
        // NOT_FOUND without UNREGISTERED is a wrong project or URL: the token is not known to be gone.
        #expect(try classify(vendorResponse(404, Self.body(404, "NOT_FOUND", nil))) == .rejected(reason: "FCM 404 NOT_FOUND"))
        #expect(try classify(vendorResponse(502, Self.body(502, "SOMETHING_NEW", nil))) == .retry(afterMs: nil, reason: "FCM 502 SOMETHING_NEW"))
        // A detail of another type is not an FcmError.
        let foreign = #"{"error":{"code":400,"status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/other","errorCode":"UNREGISTERED"}]}}"#
        #expect(try classify(vendorResponse(400, foreign)) == .rejected(reason: "FCM 400 INVALID_ARGUMENT"))
    }

    @Test func retryAfter() throws {
        func quota(_ value: String?) throws -> DeliveryOutcome {
            try classify(vendorResponse(429, Self.body(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"), headers: value.map { [("retry-after", $0)] } ?? []))
        }
        #expect(try quota(nil) == .retry(afterMs: 60_000, reason: "FCM 429 QUOTA_EXCEEDED"))
        #expect(try quota("10") == .retry(afterMs: 60_000, reason: "FCM 429 QUOTA_EXCEEDED"))
        #expect(try quota("120") == .retry(afterMs: 120_000, reason: "FCM 429 QUOTA_EXCEEDED"))
        #expect(try classify(vendorResponse(503, Self.body(503, "UNAVAILABLE", "UNAVAILABLE"), headers: [("Retry-After", "30")]))
                == .retry(afterMs: 30_000, reason: "FCM 503 UNAVAILABLE"))
        #expect(try classify(vendorResponse(500, Self.body(500, "INTERNAL", "INTERNAL"), headers: [("retry-after", "5")]))
                == .retry(afterMs: 5_000, reason: "FCM 500 INTERNAL"))
    }

    @Test func garbageBodiesGoByStatus() throws {
        #expect(try classify(vendorResponse(502, "<html>Bad Gateway</html>")) == .retry(afterMs: nil, reason: "FCM 502: <html>Bad Gateway</html>"))
        #expect(try classify(vendorResponse(503, "", headers: [("retry-after", "3")])) == .retry(afterMs: 3_000, reason: "FCM 503 (empty body)"))
        #expect(try classify(vendorResponse(404, "<html>Not Found</html>")) == .rejected(reason: "FCM 404: <html>Not Found</html>"))
        #expect(try classify(vendorResponse(401, #"{"error":"invalid_token"}"#)) == .rejected(reason: #"FCM 401: {"error":"invalid_token"}"#))
        #expect(try classify(vendorResponse(400, #"{"error":{"code":400}}"#)) == .rejected(reason: #"FCM 400: {"error":{"code":400}}"#))
        #expect(try classify(vendorResponse(204)) == .retry(afterMs: nil, reason: "FCM 204 (empty body)"))
        #expect(try classify(vendorResponse(301, "moved")) == .retry(afterMs: nil, reason: "FCM 301: moved"))
    }

    @Test func transportFailuresAreRetried() throws {
        #expect(try classify(.failure(HTTPFailure(kind: .tls, message: "SSL certificate problem"))) == .retry(afterMs: nil, reason: "SSL certificate problem"))
    }
}
