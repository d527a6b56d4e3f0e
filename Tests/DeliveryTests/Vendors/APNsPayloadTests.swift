import NudgeStore
import Testing
@testable import NudgeDelivery
import NudgeXMPP

/// The payload limit: the message body is dropped first, then the push is refused.
@Suite struct APNsPayloadTests {
    let directory = VendorTestDirectory()
    let now = VendorTestJobs.createdAt

    func fields(body: String, sender: String = "romeo@example.net") -> [(String, String)] {
        [("message-count", "1"), ("last-message-sender", sender), ("last-message-body", body), ("last-message-priority", "normal")]
    }

    @Test func hugeBodyIsDroppedToFit() throws {
        let backend = try VendorTestJobs.make(VendorTestJobs.apnsConfig(directory)).backend
        let r = try backend.request(for: VendorTestJobs.job(fields: fields(body: String(repeating: "x", count: 5000))), now: now).get()
        #expect(r.body.count <= 4096)
        #expect(r.vendorBodyText == #"{"aps":{"alert":{"title":"romeo@example.net","body":"New message"},"sound":"default","mutable-content":1},"message-count":1,"last-message-sender":"romeo@example.net","last-message-priority":"normal"}"#)
    }

    @Test func bodyThatFitsIsKeptUpToTheLimit() throws {
        let summary = PushSummary(lastMessageBody: "")
        let empty = APNsPayload.json(summary, kind: .alert, style: APNsAlertStyle(alertBody: "x", sound: nil, mutableContent: false)).serialized()
        // The body appears twice (alert and custom key): fill exactly to 4096.
        let room = (4096 - empty.utf8.count) / 2
        let style = APNsAlertStyle(alertBody: "x", sound: nil, mutableContent: false)
        let fits = try #require(APNsPayload.body(PushSummary(lastMessageBody: String(repeating: "b", count: room)), kind: .alert, style: style))
        #expect(fits.count <= 4096 && fits.count > 4090)
        #expect(String(decoding: fits, as: UTF8.self).contains(String(repeating: "b", count: room)))
        let over = try #require(APNsPayload.body(PushSummary(lastMessageBody: String(repeating: "b", count: room + 1)), kind: .alert, style: style))
        #expect(!String(decoding: over, as: UTF8.self).contains("bbb"))
    }

    @Test func voipAllowsFiveKilobytes() throws {
        let backend = try VendorTestJobs.make(VendorTestJobs.apnsConfig(directory, pushType: "voip")).backend
        let body = String(repeating: "v", count: 4500)
        let r = try backend.request(for: VendorTestJobs.job(fields: fields(body: body)), now: now).get()
        #expect(r.body.count > 4096 && r.body.count <= 5120)
        #expect(r.vendorBodyJSON?["last-message-body"]?.stringValue == body)
    }

    @Test func tooLargeEvenWithoutTheBodyIsRejected() throws {
        let backend = try VendorTestJobs.make(VendorTestJobs.apnsConfig(directory)).backend
        let job = VendorTestJobs.job(fields: fields(body: "hi", sender: String(repeating: "s", count: 2100)))
        #expect(backend.request(for: job, now: now).failure
                == .rejected(reason: "APNs payload over 4096 bytes even without the message body"))
        let voip = try VendorTestJobs.make(VendorTestJobs.apnsConfig(directory, pushType: "voip")).backend
        let huge = VendorTestJobs.job(fields: fields(body: "hi", sender: String(repeating: "s", count: 5200)))
        #expect(voip.request(for: huge, now: now).failure
                == .rejected(reason: "APNs payload over 5120 bytes even without the message body"))
    }

    @Test func specialCharactersAreEscaped() throws {
        let backend = try VendorTestJobs.make(VendorTestJobs.apnsConfig(directory)).backend
        let body = "\"quoted\" \\ line\nbreak ✓"
        let r = try backend.request(for: VendorTestJobs.job(fields: fields(body: body)), now: now).get()
        #expect(r.vendorBodyJSON?["aps"]?["alert"]?["body"]?.stringValue == body)
    }
}
