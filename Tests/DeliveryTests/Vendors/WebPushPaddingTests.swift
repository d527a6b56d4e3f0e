import Testing
@testable import NudgeDelivery
import NudgeCrypto
import NudgeCore

/// Padding hides the length of a plaintext within its class, and never
/// takes a body past 4096 bytes.
@Suite struct WebPushPaddingTests {
    let directory = VendorTestDirectory()
    let now = VendorTestJobs.createdAt

    @Test func paddingRoundsUpToTheClass() {
        #expect(WebPushPayload.padding(length: 100, padTo: 1024) == 924)
        #expect(WebPushPayload.padding(length: 1024, padTo: 1024) == 0)
        #expect(WebPushPayload.padding(length: 1025, padTo: 1024) == 1023)
        #expect(WebPushPayload.padding(length: 100, padTo: 1) == 0)
        #expect(WebPushPayload.padding(length: 100, padTo: 256) == 156)
        // The class would end past 3993 bytes: it ends at 3993.
        #expect(WebPushPayload.padding(length: 3100, padTo: 1024) == 893)
        #expect(WebPushPayload.padding(length: 3993, padTo: 1024) == 0)
        #expect(WebPushPayload.padding(length: 10, padTo: 4096) == 3983)
        #expect(WebPushPayload.plaintextLimit == 3993)
    }

    @Test(arguments: [1, 100, 256, 1024, 4096])
    func bodiesOfOneClassHaveOneLength(padTo: Int) throws {
        var config = VendorTestJobs.webPushConfig(directory)
        config.padTo = padTo
        let backend = try VendorTestJobs.make(config).backend
        let subscriber = try WebPushTestSubscriber()
        for size in [1, 40, 90, 500, 2000, 3900] {
            let fields = [("last-message-body", String(repeating: "b", count: size))]
            let r = try backend.request(for: subscriber.job(fields: fields), now: now).get()
            let plaintext = try subscriber.decrypt(r.body)
            #expect(plaintext == #"{"last-message-body":""# + String(repeating: "b", count: size) + #""}"#)
            let padded = r.body.count - 86 - 1 - 16
            #expect(r.body.count <= 4096)
            #expect(padded == min((plaintext.utf8.count + padTo - 1) / padTo * padTo, 3993))
        }
    }

    @Test func fullestBodyIsExactly4096Bytes() throws {
        let backend = try VendorTestJobs.make(VendorTestJobs.webPushConfig(directory)).backend
        let subscriber = try WebPushTestSubscriber()
        let overhead = #"{"last-message-body":""}"#.utf8.count
        let fits = [("last-message-body", String(repeating: "b", count: 3993 - overhead))]
        let r = try backend.request(for: subscriber.job(fields: fits), now: now).get()
        #expect(r.body.count == 4096)
        #expect(try subscriber.decrypt(r.body).utf8.count == 3993)
        let over = [("message-count", "2"), ("last-message-body", String(repeating: "b", count: 3994 - overhead))]
        let dropped = try backend.request(for: subscriber.job(fields: over), now: now).get()
        #expect(try subscriber.decrypt(dropped.body) == #"{"message-count":2}"#)
    }
}
