import Testing
@testable import NudgeDelivery
import NudgeCore
import NudgeStore
import NudgeXMPP

/// A Tigase encrypted push (`<encrypted xmlns='tigase:push:encrypt:0'>`)
/// at the APNs backend, shaped for what Siskin reads: its
/// `NotificationService.swift` takes `account`, `encrypted` and `iv` from
/// the userInfo (and runs only with `mutable-content`), its
/// `CallManager.swift` the same keys from a PushKit payload, which goes to
/// the PushKit token it registered as `device-second-token`
/// (TigaseSwift `TigasePushNotificationsModule.registerDevice`).
@Suite struct APNsTigaseTests {
    let directory = VendorTestDirectory()
    let now = VendorTestJobs.createdAt + 5_000
    static let voipToken = "0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de"
    static let tigase = [(TigaseProvider.extraKey, "tigase:messenger:apns:1"), (TigaseProvider.voipTokenKey, voipToken)]

    func job(voip: Bool, extra: [(String, String)] = tigase) -> DeliveryJob {
        var job = VendorTestJobs.job(priority: .high, extra: extra)
        var notification = Element("notification", namespace: NS.push)
        var encrypted = Element("encrypted", namespace: NS.tigasePushEncrypt,
                                attributes: (voip ? [("type", "voip")] : []) + [("iv", "AAECAwQFBgcICQoL")])
        encrypted.append(text: "c2VhbGVk")
        notification.append(encrypted)
        job.summary = PushSummary(notification: notification)
        return job
    }

    func request(_ job: DeliveryJob) throws -> HTTPRequest {
        try VendorTestJobs.make(VendorTestJobs.apnsConfig(directory)).backend.request(for: job, now: now).get()
    }

    @Test func anEncryptedMessageIsAMutableAlertThatNamesTheAccount() throws {
        var config = VendorTestJobs.apnsConfig(directory)
        config.mutableContent = false   // the extension must run all the same
        let r = try VendorTestJobs.make(config).backend.request(for: job(voip: false), now: now).get()
        #expect(r.url == "https://api.push.apple.com/3/device/" + VendorTestJobs.apnsToken)
        #expect(r.vendorHeader("apns-push-type") == "alert")
        #expect(r.vendorHeader("apns-topic") == "org.example.chat")
        #expect(r.vendorBodyText == #"{"aps":{"alert":{"body":"New message"},"sound":"default","mutable-content":1},"account":"juliet@example.com","encrypted":"c2VhbGVk","iv":"AAECAwQFBgcICQoL"}"#)
    }

    @Test func anEncryptedCallGoesToThePushKitTokenAsVoIP() throws {
        let r = try request(job(voip: true))
        #expect(r.url == "https://api.push.apple.com/3/device/" + Self.voipToken)
        #expect(r.vendorHeader("apns-push-type") == "voip")
        #expect(r.vendorHeader("apns-topic") == "org.example.chat.voip")
        #expect(r.vendorHeader("apns-priority") == "10")
        #expect(r.vendorBodyText == #"{"aps":{},"account":"juliet@example.com","encrypted":"c2VhbGVk","iv":"AAECAwQFBgcICQoL"}"#)
    }

    @Test func aCallForADeviceWithoutAPushKitTokenIsAnAlert() throws {
        let r = try request(job(voip: true, extra: [(TigaseProvider.extraKey, "tigase:messenger:apns:1")]))
        #expect(r.url == "https://api.push.apple.com/3/device/" + VendorTestJobs.apnsToken)
        #expect(r.vendorHeader("apns-push-type") == "alert")
    }

    @Test func aPlainPushToATigaseRegistrationNamesTheAccountToo() throws {
        let r = try request(VendorTestJobs.job(fields: [("message-count", "1")], extra: Self.tigase))
        #expect(r.vendorBodyJSON?["account"] == "juliet@example.com")
        let other = try request(VendorTestJobs.job(fields: [("message-count", "1")]))
        #expect(other.vendorBodyJSON?["account"] == nil)
    }
}
