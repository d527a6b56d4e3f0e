import Testing
@testable import NudgeDelivery
import NudgeCrypto
import NudgeCore
import NudgeXMPP

/// What WNSBackend sends: raw and toast notifications to the channel URI.
@Suite struct WNSRequestTests {
    let now = VendorTestJobs.createdAt
    static let channel = "https://db5p.notify.windows.com/?token=AwYAAAB%2bE"

    func backend(_ config: BackendConfig = VendorTestJobs.wnsConfig()) -> any VendorBackend {
        let backend = try! VendorTestJobs.make(config).backend
        let grant = vendorResponse(200, #"{"access_token":"tok","expires_in":86400}"#)
        _ = backend.credentialAnswer(grant, now: now)
        return backend
    }

    func job(_ fields: [(String, String)] = VendorTestJobs.messageFields, channel: String = channel,
             priority: Priority = .normal) -> DeliveryJob {
        VendorTestJobs.job(vendor: "wns", token: channel, fields: fields, priority: priority)
    }

    @Test func rawCarriesTheSummaryJSON() throws {
        let r = try backend().request(for: job(), now: now).get()
        #expect(r.method == "POST")
        #expect(r.url == Self.channel)
        #expect(r.headers.map(\.name) == ["authorization", "x-wns-type", "content-type", "x-wns-cache-policy"])
        #expect(r.vendorHeader("authorization") == "Bearer tok")
        #expect(r.vendorHeader("x-wns-type") == "wns/raw")
        #expect(r.vendorHeader("content-type") == "application/octet-stream")
        #expect(r.vendorHeader("x-wns-cache-policy") == "cache")
        #expect(r.allowPrivateAddresses)
        #expect(r.vendorBodyText == #"{"message-count":3,"pending-subscription-count":1,"last-message-sender":"romeo@example.net","last-message-body":"Wherefore art thou?","last-message-priority":"normal"}"#)
    }

    @Test func toastShowsSenderAndBody() throws {
        let r = try backend(VendorTestJobs.wnsConfig(type: "toast")).request(for: job(), now: now).get()
        #expect(r.headers.map(\.name) == ["authorization", "x-wns-type", "content-type", "x-wns-tag"])
        #expect(r.vendorHeader("x-wns-type") == "wns/toast")
        #expect(r.vendorHeader("content-type") == "text/xml")
        #expect(r.vendorBodyText == #"<toast><visual><binding template="ToastGeneric"><text>romeo@example.net</text><text>Wherefore art thou?</text></binding></visual></toast>"#)
    }

    @Test func toastTagIsSixteenLettersAndDigitsFromTheNode() throws {
        let r = try backend(VendorTestJobs.wnsConfig(type: "toast")).request(for: job(), now: now).get()
        let tag = try #require(r.vendorHeader("x-wns-tag"))
        #expect(tag == Hex.encode(Array(SHA256.hash(Array("node-1".utf8)).prefix(8))))
        #expect(tag.count == 16)
        #expect(tag.unicodeScalars.allSatisfy { $0.properties.isASCIIHexDigit })
    }

    @Test func toastWithoutSenderOrBody() throws {
        let backend = backend(VendorTestJobs.wnsConfig(type: "toast"))
        let count = try backend.request(for: job([("message-count", "4")]), now: now).get()
        #expect(count.vendorBodyText == #"<toast><visual><binding template="ToastGeneric"><text>New message</text><text>4 new messages</text></binding></visual></toast>"#)
        let one = try backend.request(for: job([("message-count", "1")]), now: now).get()
        #expect(one.vendorBodyText.contains("<text>1 new message</text>"))
        let nothing = try backend.request(for: job([("pending-subscription-count", "2")]), now: now).get()
        #expect(nothing.vendorBodyText == #"<toast><visual><binding template="ToastGeneric"><text>New message</text></binding></visual></toast>"#)
    }

    @Test func toastTextIsEscaped() throws {
        let fields = [("last-message-sender", "<b>&\"romeo\"'</b>"), ("last-message-body", "a\u{1}b\tc]]>")]
        let r = try backend(VendorTestJobs.wnsConfig(type: "toast")).request(for: job(fields), now: now).get()
        #expect(r.vendorBodyText.contains("<text>&lt;b&gt;&amp;&quot;romeo&quot;&apos;&lt;/b&gt;</text><text>a b\tc]]&gt;</text>"))
    }

    @Test func wakeOnAToastBackendGoesRaw() throws {
        let wake = job([("last-message-priority", "low"), ("wake-reason", "restart")])
        let r = try backend(VendorTestJobs.wnsConfig(type: "toast")).request(for: wake, now: now).get()
        #expect(r.vendorHeader("x-wns-type") == "wns/raw")
        #expect(r.vendorBodyText == #"{"last-message-priority":"low","wake-reason":"restart"}"#)
    }

    @Test func ttlIsSentWhenConfigured() throws {
        var config = VendorTestJobs.wnsConfig()
        config.ttlSeconds = 600
        #expect(try backend(config).request(for: job(), now: now).get().vendorHeader("x-wns-ttl") == "600")
        #expect(try backend().request(for: job(), now: now).get().vendorHeader("x-wns-ttl") == nil)
    }

    @Test func bodyIsDroppedToFitFiveThousandBytes() throws {
        let long = [("last-message-sender", "romeo@example.net"), ("last-message-body", String(repeating: "é", count: 3000))]
        let raw = try backend().request(for: job(long), now: now).get()
        #expect(raw.vendorBodyText == #"{"last-message-sender":"romeo@example.net"}"#)
        let toast = try backend(VendorTestJobs.wnsConfig(type: "toast")).request(for: job(long), now: now).get()
        #expect(toast.vendorBodyText.contains("<text>romeo@example.net</text></binding>"))
        let fits = [("last-message-body", String(repeating: "b", count: 4900))]
        #expect(try backend().request(for: job(fits), now: now).get().body.count <= 5000)
        #expect(try backend().request(for: job(fits), now: now).get().vendorBodyText.contains("bbbb"))
    }

    @Test func tooLargeEvenWithoutTheBodyIsRejected() throws {
        let huge = [("last-message-sender", String(repeating: "s", count: 5000)), ("last-message-body", "hi")]
        for type in ["raw", "toast"] {
            #expect(backend(VendorTestJobs.wnsConfig(type: type)).request(for: job(huge), now: now).failure
                    == .rejected(reason: "WNS notification over 5000 bytes even without the message body"))
        }
    }

    @Test(arguments: [
        ("https://evil.example/?token=x", "WNS channel URI not allowed: channel URI host evil.example is not under notify.windows.com"),
        ("https://notify.windows.com.evil.example/x", "WNS channel URI not allowed: channel URI host notify.windows.com.evil.example is not under notify.windows.com"),
        ("https://evilnotify.windows.com/x", "WNS channel URI not allowed: channel URI host evilnotify.windows.com is not under notify.windows.com"),
        ("http://db5p.notify.windows.com/?token=x", "WNS channel URI not allowed: channel URI must be https"),
        ("https://user@db5p.notify.windows.com/x", "WNS channel URI not allowed: channel URI contains a user name or password"),
        ("ms-app://x", "WNS channel URI not allowed: channel URI must be https or http"),
        ("garbage", "WNS channel URI not allowed: channel URI is not a URL"),
    ])
    func channelsOutsideWNSAreGone(channel: String, reason: String) {
        #expect(backend().request(for: job(channel: channel), now: now).failure == .tokenGone(vendorTimestamp: nil, reason: reason))
    }

    @Test func channelsUnderWNSAreUsed() throws {
        for channel in ["https://notify.windows.com/x", "https://wns2-par02p.notify.windows.com/w/?token=x",
                        "https://DB5P.Notify.Windows.com:443/?token=x"] {
            #expect(try backend().request(for: job(channel: channel), now: now).get().url == channel)
        }
    }

    @Test func configuredEndpointReplacesWNSsDomain() throws {
        let backend = backend(VendorTestJobs.wnsConfig(endpoint: "https://127.0.0.1:9443/"))
        #expect(try backend.request(for: job(channel: "https://127.0.0.1:9443/?token=x"), now: now).get().url
                == "https://127.0.0.1:9443/?token=x")
        #expect(backend.request(for: job(channel: "https://127.0.0.1:9444/?token=x"), now: now).failure
                == .tokenGone(vendorTimestamp: nil, reason: "WNS channel URI not allowed: channel URI is not on the configured endpoint https://127.0.0.1:9443"))
        #expect(backend.request(for: job(channel: Self.channel), now: now).failure
                == .tokenGone(vendorTimestamp: nil, reason: "WNS channel URI not allowed: channel URI is not on the configured endpoint https://127.0.0.1:9443"))
    }
}
