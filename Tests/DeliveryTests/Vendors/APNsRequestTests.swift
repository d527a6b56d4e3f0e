import Testing
@testable import NudgeDelivery
import NudgeCore
import NudgeXMPP

/// What APNsBackend sends: URL, headers and payload for each push type.
@Suite struct APNsRequestTests {
    let directory = VendorTestDirectory()
    let now = VendorTestJobs.createdAt + 5_000

    func request(_ config: BackendConfig, _ job: DeliveryJob) throws -> HTTPRequest {
        let backend = try VendorTestJobs.make(config).backend
        #expect(backend.credentialRequest(now: now) == nil)
        return try backend.request(for: job, now: now).get()
    }

    @Test func alertCarriesTheSummary() throws {
        let r = try request(VendorTestJobs.apnsConfig(directory), VendorTestJobs.job(fields: VendorTestJobs.messageFields))
        #expect(r.method == "POST")
        #expect(r.url == "https://api.push.apple.com/3/device/" + VendorTestJobs.apnsToken)
        #expect(r.headers.map(\.name) == ["authorization", "apns-topic", "apns-push-type", "apns-priority",
                                         "apns-expiration", "apns-collapse-id", "content-type"])
        #expect(r.vendorHeader("authorization")?.hasPrefix("bearer ey") == true)
        #expect(r.vendorHeader("apns-topic") == "org.example.chat")
        #expect(r.vendorHeader("apns-push-type") == "alert")
        #expect(r.vendorHeader("apns-priority") == "10")
        #expect(r.vendorHeader("apns-expiration") == "1700086400")
        #expect(r.vendorHeader("apns-collapse-id") == "nudge-node-1")
        #expect(r.vendorHeader("content-type") == "application/json")
        #expect(r.clientCertFile == nil && r.clientKeyFile == nil)
        #expect(r.vendorBodyText == #"{"aps":{"alert":{"title":"romeo@example.net","body":"Wherefore art thou?"},"sound":"default","mutable-content":1},"message-count":3,"pending-subscription-count":1,"last-message-sender":"romeo@example.net","last-message-body":"Wherefore art thou?","last-message-priority":"normal"}"#)
    }

    @Test func alertWithoutBodyOrSenderShowsTheConfiguredText() throws {
        var config = VendorTestJobs.apnsConfig(directory)
        config.alertBody = "Something new"
        config.sound = nil
        config.mutableContent = false
        let r = try request(config, VendorTestJobs.job(fields: [("message-count", "1"), ("last-message-priority", "high")],
                                                       priority: .high))
        #expect(r.vendorBodyText == #"{"aps":{"alert":{"body":"Something new"}},"message-count":1,"last-message-priority":"high"}"#)
        #expect(r.vendorHeader("apns-priority") == "10")
    }

    @Test func lowPriorityAlertGoesAtFive() throws {
        let r = try request(VendorTestJobs.apnsConfig(directory), VendorTestJobs.job(fields: [("pending-subscription-count", "2")], priority: .low))
        #expect(r.vendorHeader("apns-priority") == "5")
        #expect(r.vendorHeader("apns-push-type") == "alert")
    }

    @Test func countsThatAreNotNumbersStayStrings() throws {
        let r = try request(VendorTestJobs.apnsConfig(directory), VendorTestJobs.job(fields: [("message-count", "many")]))
        #expect(r.vendorBodyJSON?["message-count"] == "many")
    }

    @Test(arguments: [Priority.high, .normal, .low])
    func backgroundIsSilentAndAlwaysFive(priority: Priority) throws {
        let r = try request(VendorTestJobs.apnsConfig(directory, pushType: "background"),
                            VendorTestJobs.job(fields: [("message-count", "2"), ("last-message-sender", "romeo@example.net")], priority: priority))
        #expect(r.vendorHeader("apns-push-type") == "background")
        #expect(r.vendorHeader("apns-priority") == "5")
        #expect(r.vendorHeader("apns-topic") == "org.example.chat")
        #expect(r.vendorBodyText == #"{"aps":{"content-available":1},"message-count":2,"last-message-sender":"romeo@example.net"}"#)
    }

    @Test func voipUsesTheVoipTopicAndAnEmptyAps() throws {
        let config = VendorTestJobs.apnsConfig(directory, pushType: "voip")
        let r = try request(config, VendorTestJobs.job(fields: [("last-message-sender", "romeo@example.net"), ("last-message-priority", "high")],
                                                       priority: .high))
        #expect(r.vendorHeader("apns-topic") == "org.example.chat.voip")
        #expect(r.vendorHeader("apns-push-type") == "voip")
        #expect(r.vendorHeader("apns-priority") == "10")
        #expect(r.vendorBodyText == #"{"aps":{},"last-message-sender":"romeo@example.net","last-message-priority":"high"}"#)
        let low = try request(config, VendorTestJobs.job(priority: .low))
        #expect(low.vendorHeader("apns-priority") == "5")
    }

    @Test func voipSuffixIsNotDoubled() throws {
        var config = VendorTestJobs.apnsConfig(directory, pushType: "voip")
        config.topic = "org.example.chat.voip"
        let r = try request(config, VendorTestJobs.job())
        #expect(r.vendorHeader("apns-topic") == "org.example.chat.voip")
    }

    @Test func wakeOnAnAlertBackendGoesAsBackground() throws {
        let wake = VendorTestJobs.job(fields: [("last-message-priority", "low"), ("wake-reason", "restart")], priority: .low)
        let r = try request(VendorTestJobs.apnsConfig(directory), wake)
        #expect(r.vendorHeader("apns-push-type") == "background")
        #expect(r.vendorHeader("apns-priority") == "5")
        #expect(r.vendorBodyText == #"{"aps":{"content-available":1},"last-message-priority":"low","wake-reason":"restart"}"#)
        let voip = try request(VendorTestJobs.apnsConfig(directory, pushType: "voip"), wake)
        #expect(voip.vendorHeader("apns-push-type") == "voip")
        #expect(voip.vendorBodyText == #"{"aps":{},"last-message-priority":"low","wake-reason":"restart"}"#)
    }

    @Test func sandboxAndEndpointOverride() throws {
        let token = VendorTestJobs.apnsToken
        #expect(try request(VendorTestJobs.apnsConfig(directory, sandbox: true), VendorTestJobs.job()).url
                == "https://api.sandbox.push.apple.com/3/device/" + token)
        #expect(try request(VendorTestJobs.apnsConfig(directory, sandbox: false), VendorTestJobs.job()).url
                == "https://api.push.apple.com/3/device/" + token)
        #expect(try request(VendorTestJobs.apnsConfig(directory, sandbox: true, endpoint: "https://127.0.0.1:8443/"), VendorTestJobs.job()).url
                == "https://127.0.0.1:8443/3/device/" + token)
    }

    @Test func tokenLengthIsNotAssumed() throws {
        let long = String(repeating: "0123456789ABCDEF", count: 10)
        let r = try request(VendorTestJobs.apnsConfig(directory), VendorTestJobs.job(token: long))
        #expect(r.url.hasSuffix("/3/device/" + long))
    }

    @Test(arguments: ["", "abc/../x", "zz00", "a1 b2"])
    func nonHexTokenIsGone(token: String) throws {
        let backend = try VendorTestJobs.make(VendorTestJobs.apnsConfig(directory)).backend
        #expect(backend.request(for: VendorTestJobs.job(token: token), now: now).failure
                == .tokenGone(vendorTimestamp: nil, reason: "APNs device token is not hex"))
    }

    @Test func collapseIDIsCutTo64Bytes() throws {
        let long = String(repeating: "n", count: 100)
        let id = try #require(try request(VendorTestJobs.apnsConfig(directory), VendorTestJobs.job(node: long)).vendorHeader("apns-collapse-id"))
        #expect(id == "nudge-" + String(repeating: "n", count: 58))
        #expect(id.utf8.count == 64)
        // A character never straddles the cut: 57 ASCII bytes, then "é" (2 bytes) would end at 65.
        let accented = String(repeating: "n", count: 57) + "éé"
        #expect(APNsHeaders.collapseID(node: accented) == "nudge-" + String(repeating: "n", count: 57))
    }

    @Test func expirationIsADayAfterTheJobWasMade() throws {
        let r = try request(VendorTestJobs.apnsConfig(directory), VendorTestJobs.job(createdAt: 1_234_567_890_999))
        #expect(r.vendorHeader("apns-expiration") == String(1_234_567_890 + 86_400))
    }

    @Test func certificateAuthSendsTheClientCertificate() throws {
        var config = VendorTestJobs.apnsConfig(directory)
        let cert = directory.write("push.pem", VendorTestKeys.certificatePEM, mode: 0o644)
        let key = directory.write("push.key", VendorTestKeys.p256PKCS8)
        config.apnsAuth = .certificate(certFile: cert, keyFile: key)
        let (backend, warnings) = try VendorTestJobs.make(config)
        #expect(warnings.isEmpty)   // the certificate itself is public
        let r = try backend.request(for: VendorTestJobs.job(fields: VendorTestJobs.messageFields), now: now).get()
        #expect(r.clientCertFile == cert)
        #expect(r.clientKeyFile == key)
        #expect(r.vendorHeader("authorization") == nil)
        #expect(r.vendorHeader("apns-topic") == "org.example.chat")
    }

    @Test func certificateAndKeyMayShareAFile() throws {
        var config = VendorTestJobs.apnsConfig(directory)
        let both = directory.write("push.pem", VendorTestKeys.certificatePEM + "\n" + VendorTestKeys.p256PKCS8 + "\n", mode: 0o644)
        config.apnsAuth = .certificate(certFile: both, keyFile: both)
        let (backend, warnings) = try VendorTestJobs.make(config)
        // The shared file holds the key, so its permissions matter.
        #expect(warnings == ["appserver.backends[0].cert_file: \(both) is readable by others (mode 0644); run chmod 600 \(both)"])
        let r = try backend.request(for: VendorTestJobs.job(), now: now).get()
        #expect(r.clientCertFile == both && r.clientKeyFile == both)
    }

    @Test func keyBlockIsFoundAmongCertificates() {
        let key = VendorTestKeys.p256PKCS8
        #expect(APNsAuth.privateKeyBlock(VendorTestKeys.certificatePEM + key + "trailing") == key + "\n")
        #expect(APNsAuth.privateKeyBlock("junk\n" + key + "\n" + VendorTestKeys.certificatePEM) == key + "\n")
        #expect(APNsAuth.privateKeyBlock(VendorTestKeys.certificatePEM) == VendorTestKeys.certificatePEM)
        let rsa = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----"
        #expect(APNsAuth.privateKeyBlock(VendorTestKeys.certificatePEM + "\n" + rsa) == rsa + "\n")
    }

    @Test func credentialAnswerIsIgnored() throws {
        let backend = try VendorTestJobs.make(VendorTestJobs.apnsConfig(directory)).backend
        #expect(backend.credentialAnswer(vendorResponse(500), now: now) == nil)
        #expect(backend.config.configKey == "appserver.backends[0]")
    }
}
