import NudgeStore
import Testing
@testable import NudgeDelivery
import NudgeCrypto
import NudgeCore
import NudgeXMPP

/// What UBportsBackend sends to the push server's `/notify`.
@Suite struct UBportsRequestTests {
    let now = VendorTestJobs.createdAt + 1_000
    static let token = "ZGV2aWNlLXRva2Vu"
    static let appID = "chat.example_chat"

    func backend(endpoint: String? = nil) throws -> any VendorBackend {
        try VendorTestJobs.make(VendorTestJobs.ubportsConfig(endpoint: endpoint)).backend
    }

    func job(_ fields: [(String, String)] = VendorTestJobs.messageFields, createdAt: Millis = VendorTestJobs.createdAt) -> DeliveryJob {
        VendorTestJobs.job(vendor: "ubuntu", token: Self.token, fields: fields, createdAt: createdAt,
                           extra: [("application-id", Self.appID)])
    }

    var tag: String { Base64URL.encode(Array(SHA256.hash(Array("node-1".utf8)).prefix(24))) }

    @Test func notifyCarriesCardCounterAndSummary() throws {
        let backend = try backend()
        #expect(backend.credentialRequest(now: now) == nil)
        let r = try backend.request(for: job(createdAt: 1_795_161_600_000), now: now).get()
        #expect(r.method == "POST")
        #expect(r.url == "https://push.ubports.com/notify")
        #expect(r.headers.count == 1)
        #expect(r.vendorHeader("content-type") == "application/json")
        #expect(r.vendorBodyText == #"{"appid":"chat.example_chat","token":"ZGV2aWNlLXRva2Vu","expire_on":"2026-11-21T08:00:00.000Z","data":{"notification":{"card":{"summary":"New message","body":"romeo@example.net: Wherefore art thou?","popup":true,"persist":true},"tag":""# + tag + #"","counter":{"count":3,"visible":true}},"message":{"message-count":3,"pending-subscription-count":1,"last-message-sender":"romeo@example.net","last-message-body":"Wherefore art thou?","last-message-priority":"normal"}},"replace_tag":""# + tag + #""}"#)
    }

    @Test func cardShowsWhatTheUserAllows() throws {
        let backend = try backend()
        func card(_ fields: [(String, String)]) throws -> JSON? {
            try backend.request(for: job(fields), now: now).get().vendorBodyJSON?["data"]?["notification"]?["card"]
        }
        #expect(try card([("last-message-body", "hi")]) == ["summary": "New message", "body": "hi", "popup": true, "persist": true])
        #expect(try card([("last-message-sender", "romeo@example.net")])?["body"] == "romeo@example.net")
        #expect(try card([("message-count", "2")]) == ["summary": "New message", "popup": true, "persist": true])
        let zero = try backend.request(for: job([("message-count", "0")]), now: now).get()
        #expect(zero.vendorBodyJSON?["data"]?["notification"]?["counter"] == ["count": 0, "visible": false])
        let none = try backend.request(for: job([("message-count", "many")]), now: now).get()
        #expect(none.vendorBodyJSON?["data"]?["notification"]?["counter"] == nil)
    }

    @Test func wakeHasNoCard() throws {
        let r = try backend().request(for: job([("wake-reason", "restart")]), now: now).get()
        #expect(r.vendorBodyJSON?["data"] == ["message": ["wake-reason": "restart"]])
    }

    @Test func endpointCanBeConfigured() throws {
        #expect(try backend(endpoint: "https://127.0.0.1:8443/").request(for: job(), now: now).get().url
                == "https://127.0.0.1:8443/notify")
    }

    @Test func registrationWithoutApplicationIDIsGone() throws {
        let bare = VendorTestJobs.job(vendor: "ubuntu", token: Self.token)
        #expect(try backend().request(for: bare, now: now).failure
                == .tokenGone(vendorTimestamp: nil, reason: "UBports registration has no application-id"))
    }

    @Test func dataOverTwoKilobytesDropsTheBody() throws {
        let backend = try backend()
        let fields = [("message-count", "1"), ("last-message-sender", "romeo@example.net"),
                      ("last-message-body", String(repeating: "b", count: 900))]
        let r = try backend.request(for: job(fields), now: now).get()
        let data = try #require(r.vendorBodyJSON?["data"])
        #expect(data.serialized().utf8.count <= 2048)
        #expect(data["message"]?["last-message-body"] == nil)
        #expect(data["notification"]?["card"]?["body"] == "romeo@example.net")
        // Just under the limit, the body stays (it appears twice in data).
        let fits = [("last-message-body", String(repeating: "b", count: 800))]
        let kept = try backend.request(for: job(fits), now: now).get()
        #expect(kept.vendorBodyJSON?["data"]?["message"]?["last-message-body"]?.stringValue?.count == 800)
        #expect(try #require(kept.vendorBodyJSON?["data"]).serialized().utf8.count <= 2048)
    }

    @Test func tooLargeEvenWithoutTheBodyIsRejected() throws {
        let fields = [("last-message-sender", String(repeating: "s", count: 1100)), ("last-message-body", "hi")]
        #expect(try backend().request(for: job(fields), now: now).failure
                == .rejected(reason: "UBports notification over 4096 bytes (or data over 2048) even without the message body"))
    }

    @Test func payloadLimitsAreChecked() {
        let summary = PushSummary(lastMessageBody: String(repeating: "x", count: 3000))
        #expect(UBportsPayload.body(appID: "a", token: "t", summary: summary, createdAt: 0, tag: "t")
                .map { String(decoding: $0, as: UTF8.self).contains("xxx") } == false)
        // A token so long the body passes 4096 while data stays small.
        let longToken = String(repeating: "t", count: 4000)
        #expect(UBportsPayload.body(appID: "a", token: longToken, summary: PushSummary(messageCount: "1"), createdAt: 0, tag: "t") == nil)
    }
}
