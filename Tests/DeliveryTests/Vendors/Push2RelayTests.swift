import NudgeStore
import Testing
@testable import NudgeDelivery
import NudgeCrypto
import NudgeCore
import NudgeXMPP

/// A Push 2.0 notification at this engine's app server (push2.markdown's
/// `<notification xmlns='urn:xmpp:push2:0'>`): its RFC 8291 payload was
/// encrypted by the user's server for the client's keys, so every vendor
/// gets it as it is.
@Suite struct Push2RelayTests {
    let directory = VendorTestDirectory()
    let now = VendorTestJobs.createdAt

    /// `payload`: the aes128gcm body; `jwt`: the client's token and key.
    func notification(payload: [UInt8]?, jwt: (String, [UInt8])? = nil, voip: Bool = false) -> Element {
        var n = Element("notification", namespace: NS.push2)
        n.append(Element("client", namespace: NS.push2, children: [.text("node-1")]))
        n.append(Element("priority", namespace: NS.push2, children: [.text(voip ? "high" : "normal")]))
        if voip { n.append(Element("voip", namespace: NS.push2)) }
        if let payload {
            let p = Element("payload", namespace: NS.sceRFC8291, children: [.text(Base64.encode(payload))])
            n.append(Element("encrypted", namespace: NS.sceRFC8291, children: [.element(p)]))
        }
        if let (token, key) = jwt {
            n.append(Element("jwt", namespace: NS.push2, attributes: [("key", Base64.encode(key))], children: [.text(token)]))
        }
        return n
    }

    @Test func webPushSendsThePayloadUnchangedWithTheClientsJWT() throws {
        let subscriber = try WebPushTestSubscriber()
        let body = try WebPushEncryption.encrypt(plaintext: Array("<envelope/>".utf8), uaPublicKey: subscriber.key.publicKey,
                                                 authSecret: subscriber.authSecret)
        let clientKey = try P256PrivateKey.generate()
        var job = subscriber.job()
        job.summary = PushSummary(notification: notification(payload: body, jwt: ("header.claims.signature", clientKey.publicKey)))
        let backend = try VendorTestJobs.make(VendorTestJobs.webPushConfig(directory)).backend
        let r = try backend.request(for: job, now: now).get()
        #expect(r.body == body)
        #expect(try subscriber.decrypt(r.body) == "<envelope/>")
        #expect(r.vendorHeader("authorization") == "vapid t=header.claims.signature, k=\(Base64URL.encode(clientKey.publicKey))")
        #expect(r.vendorHeader("content-encoding") == "aes128gcm")
    }

    @Test func webPushWithoutAPayloadIsAPushWithoutDataSignedByTheBackend() throws {
        let subscriber = try WebPushTestSubscriber()
        var job = subscriber.job()
        job.summary = PushSummary(notification: notification(payload: nil))
        let r = try VendorTestJobs.make(VendorTestJobs.webPushConfig(directory)).backend.request(for: job, now: now).get()
        #expect(r.body.isEmpty)
        #expect(r.vendorHeader("content-encoding") == nil)
        #expect(r.vendorHeader("authorization")?.hasPrefix("vapid t=") == true)
    }

    @Test func apnsAndFCMCarryThePayloadForTheAppToDecrypt() throws {
        let payload: [UInt8] = Array(0..<200)
        var apnsJob = VendorTestJobs.job()
        apnsJob.summary = PushSummary(notification: notification(payload: payload))
        let apns = try VendorTestJobs.make(VendorTestJobs.apnsConfig(directory)).backend.request(for: apnsJob, now: now).get()
        let json = try #require(apns.vendorBodyJSON)
        #expect(json["encrypted"] == .string(Base64.encode(payload)))
        #expect(json["content-encoding"] == "aes128gcm")
        #expect(json["aps"]?["mutable-content"] == 1)

        let fcm = FCMMessage.json(token: VendorTestJobs.fcmToken, summary: PushSummary(notification: notification(payload: payload)),
                                  priority: .normal, createdAt: now, node: "node-1", now: now)
        let data = try #require(fcm["message"]?["data"])
        #expect(data["encrypted"] == .string(Base64.encode(payload)))
        #expect(data["content-encoding"] == "aes128gcm")
    }
}
