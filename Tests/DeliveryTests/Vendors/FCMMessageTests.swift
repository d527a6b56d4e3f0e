import Testing
@testable import NudgeDelivery
import NudgeCore
import NudgeXMPP

/// The messages:send request: URL, headers, and the message's fields.
@Suite struct FCMMessageTests {
    let directory = VendorTestDirectory()
    let now = VendorTestJobs.createdAt + 1_000

    func backend(endpoint: String? = nil) throws -> any VendorBackend {
        let backend = try VendorTestJobs.make(VendorTestJobs.fcmConfig(directory, endpoint: endpoint)).backend
        let grant = vendorResponse(200, #"{"access_token":"ya29.abc","expires_in":3599,"token_type":"Bearer"}"#)
        #expect(backend.credentialAnswer(grant, now: now) == nil)
        return backend
    }

    func job(_ fields: [(String, String)], priority: Priority = .normal, createdAt: Millis = VendorTestJobs.createdAt) -> DeliveryJob {
        VendorTestJobs.job(vendor: "fcm", token: VendorTestJobs.fcmToken, fields: fields, priority: priority, createdAt: createdAt)
    }

    @Test func messageCarriesTheSummaryAsStrings() throws {
        let r = try backend().request(for: job(VendorTestJobs.messageFields), now: now).get()
        #expect(r.method == "POST")
        #expect(r.url == "https://fcm.googleapis.com/v1/projects/nudge-test/messages:send")
        #expect(r.headers.map(\.name) == ["authorization", "content-type"])
        #expect(r.vendorHeader("authorization") == "Bearer ya29.abc")
        #expect(r.vendorHeader("content-type") == "application/json")
        #expect(r.clientCertFile == nil)
        #expect(r.vendorBodyText == #"{"message":{"token":"fcm-token:APA91bH-example_token","data":{"message-count":"3","pending-subscription-count":"1","last-message-sender":"romeo@example.net","last-message-body":"Wherefore art thou?","last-message-priority":"normal"},"android":{"priority":"high","ttl":"86399s","collapse_key":"nudge-node-1"}}}"#)
    }

    @Test func wakeCarriesItsReason() throws {
        let r = try backend().request(for: job([("last-message-priority", "low"), ("wake-reason", "timeout")], priority: .low), now: now).get()
        #expect(r.vendorBodyJSON?["message"]?["data"] == ["last-message-priority": "low", "wake-reason": "timeout"])
        #expect(r.vendorBodyJSON?["message"]?["android"]?["priority"] == "normal")
    }

    /// Conversations wakes the account whose name is `account`, and a room
    /// push names its `channel`; other extras (a room's JID) stay ours.
    @Test func conversationsNamesGoInTheData() throws {
        let job = VendorTestJobs.job(vendor: "fcm", token: VendorTestJobs.fcmToken, fields: [("message-count", "1")],
                                     extra: [("account", "a1"), ("channel", "c2"), ("room", "room@muc.example.com")])
        let r = try backend().request(for: job, now: now).get()
        #expect(r.vendorBodyJSON?["message"]?["data"] == ["message-count": "1", "account": "a1", "channel": "c2"])
    }

    @Test func emptySummaryStillSends() throws {
        let r = try backend().request(for: job([]), now: now).get()
        #expect(r.vendorBodyJSON?["message"]?["data"] == .object(JSONObject()))
    }

    @Test(arguments: [(Priority.high, "high"), (.normal, "high"), (.low, "normal")])
    func androidPriority(priority: Priority, expected: String) throws {
        let r = try backend().request(for: job([], priority: priority), now: now).get()
        #expect(r.vendorBodyJSON?["message"]?["android"]?["priority"]?.stringValue == expected)
    }

    @Test func ttlCountsDownFromTheJobsCreation() throws {
        let backend = try backend()
        func ttl(createdAt: Millis) throws -> String? {
            try backend.request(for: job([], createdAt: createdAt), now: now).get().vendorBodyJSON?["message"]?["android"]?["ttl"]?.stringValue
        }
        #expect(try ttl(createdAt: now) == "86400s")
        #expect(try ttl(createdAt: now - 3_600_500) == "82799s")
        #expect(try ttl(createdAt: now - 86_400_000) == "0s")
        #expect(try ttl(createdAt: now - 90_000_000) == "0s")
    }

    @Test func endpointOverride() throws {
        let r = try backend(endpoint: "https://127.0.0.1:9443/").request(for: job([]), now: now).get()
        #expect(r.url == "https://127.0.0.1:9443/v1/projects/nudge-test/messages:send")
    }

    @Test func hugeBodyIsDroppedToFit() throws {
        var fields = VendorTestJobs.messageFields
        fields[3].1 = String(repeating: "x", count: 4000)
        let r = try backend().request(for: job(fields), now: now).get()
        #expect(r.body.count <= 4096)
        #expect(r.vendorBodyJSON?["message"]?["data"]?["last-message-body"] == nil)
        #expect(r.vendorBodyJSON?["message"]?["data"]?["last-message-sender"] == "romeo@example.net")
    }

    @Test func bodyThatFitsIsKept() throws {
        var fields = VendorTestJobs.messageFields
        fields[3].1 = String(repeating: "x", count: 3500)
        let r = try backend().request(for: job(fields), now: now).get()
        #expect(r.vendorBodyJSON?["message"]?["data"]?["last-message-body"]?.stringValue?.count == 3500)
    }

    @Test func tooLargeEvenWithoutTheBodyIsRejected() throws {
        let outcome = try backend().request(for: job([("last-message-sender", String(repeating: "s", count: 4100))]), now: now).failure
        #expect(outcome == .rejected(reason: "FCM message over 4096 bytes even without the message body"))
    }
}
