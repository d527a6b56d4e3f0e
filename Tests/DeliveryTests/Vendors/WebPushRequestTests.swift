import Testing
@testable import NudgeDelivery
import NudgeCrypto
import NudgeCore
import NudgeXMPP

/// What WebPushBackend sends: URL, headers, and a body only the subscriber can read.
@Suite struct WebPushRequestTests {
    let directory = VendorTestDirectory()
    let now = VendorTestJobs.createdAt

    func backend(_ change: (inout BackendConfig) -> Void = { _ in }) throws -> any VendorBackend {
        var config = VendorTestJobs.webPushConfig(directory)
        change(&config)
        return try VendorTestJobs.make(config).backend
    }

    @Test func requestCarriesTheEncryptedSummary() throws {
        let subscriber = try WebPushTestSubscriber()
        let backend = try backend()
        #expect(backend.credentialRequest(now: now) == nil)
        let r = try backend.request(for: subscriber.job(), now: now).get()
        #expect(r.method == "POST")
        #expect(r.url == "https://push.example.net/wpush/v2/abc")
        #expect(r.headers.map(\.name) == ["ttl", "urgency", "topic", "content-encoding", "content-type", "authorization"])
        #expect(r.vendorHeader("ttl") == "86400")
        #expect(r.vendorHeader("urgency") == "normal")
        #expect(r.vendorHeader("content-encoding") == "aes128gcm")
        #expect(r.vendorHeader("content-type") == "application/octet-stream")
        #expect(!r.allowPrivateAddresses)
        #expect(try subscriber.decrypt(r.body)
                == #"{"message-count":3,"pending-subscription-count":1,"last-message-sender":"romeo@example.net","last-message-body":"Wherefore art thou?","last-message-priority":"normal"}"#)
        // 86-byte header, 1024 bytes of padded plaintext, delimiter, tag.
        #expect(r.body.count == 86 + 1024 + 1 + 16)
        #expect(Array(r.body[16..<21]) == [0, 0, 0x10, 0, 65])   // rs 4096, key id of 65 bytes
    }

    @Test func topicIsAShortIdOfTheNode() throws {
        let subscriber = try WebPushTestSubscriber()
        let backend = try backend()
        let topic = try #require(try backend.request(for: subscriber.job(node: "node-1"), now: now).get().vendorHeader("topic"))
        #expect(topic.count == 32)
        #expect(topic == Base64URL.encode(Array(SHA256.hash(Array("node-1".utf8)).prefix(24))))
        #expect(topic.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F
        })
        let long = String(repeating: "ñ", count: 300)
        #expect(try backend.request(for: subscriber.job(node: long), now: now).get().vendorHeader("topic")?.count == 32)
        #expect(try backend.request(for: subscriber.job(node: "node-2"), now: now).get().vendorHeader("topic") != topic)
    }

    @Test func everyMessageHasAFreshSenderKeyAndSalt() throws {
        let subscriber = try WebPushTestSubscriber()
        let backend = try backend()
        let first = try backend.request(for: subscriber.job(), now: now).get().body
        let second = try backend.request(for: subscriber.job(), now: now).get().body
        #expect(first[0..<16] != second[0..<16])
        #expect(first[21..<86] != second[21..<86])
        #expect(try subscriber.decrypt(first) == subscriber.decrypt(second))
    }

    @Test(arguments: [(Priority.high, "high"), (.normal, "normal"), (.low, "low")])
    func urgencyFollowsThePriority(priority: Priority, urgency: String) throws {
        let subscriber = try WebPushTestSubscriber()
        let r = try backend().request(for: subscriber.job(priority: priority), now: now).get()
        #expect(r.vendorHeader("urgency") == urgency)
    }

    @Test(arguments: [Priority.high, .low])
    func wakesGoAtNormalUrgency(priority: Priority) throws {
        let subscriber = try WebPushTestSubscriber()
        let wake = subscriber.job(fields: [("last-message-priority", "low"), ("wake-reason", "timeout")], priority: priority)
        let r = try backend().request(for: wake, now: now).get()
        #expect(r.vendorHeader("urgency") == "normal")
        #expect(try subscriber.decrypt(r.body) == #"{"last-message-priority":"low","wake-reason":"timeout"}"#)
    }

    @Test func ttlIsWhatIsLeftOfTheConfiguredLifetime() throws {
        let subscriber = try WebPushTestSubscriber()
        let backend = try backend { $0.ttlSeconds = 3600 }
        #expect(try backend.request(for: subscriber.job(), now: now).get().vendorHeader("ttl") == "3600")
        #expect(try backend.request(for: subscriber.job(), now: now + 600_500).get().vendorHeader("ttl") == "2999")
        #expect(try backend.request(for: subscriber.job(), now: now + 7_200_000).get().vendorHeader("ttl") == "0")
        // A job dated after `now` (clock steps) keeps the whole lifetime, no more.
        #expect(try backend.request(for: subscriber.job(), now: now - 5_000).get().vendorHeader("ttl") == "3600")
    }

    @Test func allowedPrivateAddressesReachTheTransport() throws {
        let subscriber = try WebPushTestSubscriber()
        let backend = try backend { $0.allowPrivateAddresses = true }
        let r = try backend.request(for: subscriber.job("https://10.0.0.5:8443/up/x"), now: now).get()
        #expect(r.allowPrivateAddresses)
        #expect(r.url == "https://10.0.0.5:8443/up/x")
    }

    @Test(arguments: [
        ("http://push.example.net/x", "endpoint not allowed: endpoint must be https"),
        ("https://10.0.0.1/up", "endpoint not allowed: endpoint host 10.0.0.1 is a private address"),
        ("https://localhost:8080/up", "endpoint not allowed: endpoint host localhost is a local name"),
        ("https://2130706433/up", "endpoint not allowed: endpoint host 2130706433 is a loopback address (127.0.0.1)"),
        ("https://user:pw@push.example.net/x", "endpoint not allowed: endpoint contains a user name or password"),
        ("file:///etc/passwd", "endpoint not allowed: endpoint must be https"),
        ("not a url", "endpoint not allowed: endpoint is not a URL"),
    ])
    func endpointsTheConfigurationRefusesAreGone(endpoint: String, reason: String) throws {
        let subscriber = try WebPushTestSubscriber()
        #expect(try backend().request(for: subscriber.job(endpoint), now: now).failure
                == .tokenGone(vendorTimestamp: nil, reason: reason))
    }

    @Test func httpEndpointsWhenAllowed() throws {
        let subscriber = try WebPushTestSubscriber()
        let backend = try backend { $0.allowHTTP = true }
        #expect(try backend.request(for: subscriber.job("http://ntfy.example.net/upABC"), now: now).get().url
                == "http://ntfy.example.net/upABC")
    }

    @Test func unusableSubscriptionKeysAreGone() throws {
        let subscriber = try WebPushTestSubscriber()
        let backend = try backend()
        let endpoint = "https://push.example.net/x"
        func outcome(_ extra: [(String, String)]) -> DeliveryOutcome? {
            backend.request(for: VendorTestJobs.job(vendor: "webpush", token: endpoint, extra: extra), now: now).failure
        }
        let auth = subscriber.extra[1]
        #expect(outcome([auth]) == .tokenGone(vendorTimestamp: nil, reason: "Web Push subscription has no p256dh key"))
        #expect(outcome([subscriber.extra[0]]) == .tokenGone(vendorTimestamp: nil, reason: "Web Push subscription has no 16-byte auth secret"))
        #expect(outcome([subscriber.extra[0], ("auth", Base64URL.encode([1, 2, 3]))])
                == .tokenGone(vendorTimestamp: nil, reason: "Web Push subscription has no 16-byte auth secret"))
        let offCurve = Base64URL.encode([4] + [UInt8](repeating: 0, count: 64))
        guard case .tokenGone(nil, let reason)? = outcome([("p256dh", offCurve), auth]) else {
            Issue.record("an off-curve key must make the subscription gone")
            return
        }
        #expect(reason.hasPrefix("Web Push subscription p256dh: "))
    }

    @Test func hugeBodyIsDroppedToFit() throws {
        let subscriber = try WebPushTestSubscriber()
        let fields = [("message-count", "1"), ("last-message-sender", "romeo@example.net"),
                      ("last-message-body", String(repeating: "x", count: 5000))]
        let r = try backend().request(for: subscriber.job(fields: fields), now: now).get()
        #expect(try subscriber.decrypt(r.body) == #"{"message-count":1,"last-message-sender":"romeo@example.net"}"#)
        #expect(r.body.count == 86 + 1024 + 1 + 16)
    }

    @Test func tooLargeEvenWithoutTheBodyIsRejected() throws {
        let subscriber = try WebPushTestSubscriber()
        let fields = [("last-message-sender", String(repeating: "s", count: 4000)), ("last-message-body", "hi")]
        #expect(try backend().request(for: subscriber.job(fields: fields), now: now).failure
                == .rejected(reason: "Web Push message over 4096 bytes even without the message body"))
    }
}
