import NudgeCrypto
import NudgeCore
@testable import NudgeDelivery

/// A browser's side of a Web Push subscription: the key pair and auth
/// secret a user agent makes, so a test can decrypt what the backend sent.
struct WebPushTestSubscriber {
    let key: P256PrivateKey
    let authSecret: [UInt8]

    init() throws {
        key = try P256PrivateKey.generate()
        authSecret = SecureRandom.bytes(16)
    }

    /// The registration extras `p256dh` and `auth`.
    var extra: [(String, String)] {
        [("p256dh", Base64URL.encode(key.publicKey)), ("auth", Base64URL.encode(authSecret))]
    }

    /// A Web Push job for this subscriber at `endpoint`.
    func job(_ endpoint: String = "https://push.example.net/wpush/v2/abc", fields: [(String, String)] = VendorTestJobs.messageFields,
             priority: Priority = .normal, node: String = "node-1", createdAt: Millis = VendorTestJobs.createdAt) -> DeliveryJob {
        VendorTestJobs.job(vendor: "webpush", token: endpoint, fields: fields, priority: priority, node: node,
                           createdAt: createdAt, extra: extra)
    }

    /// The plaintext of a body the backend encrypted for this subscriber.
    func decrypt(_ body: [UInt8]) throws -> String {
        String(decoding: try WebPushEncryption.decrypt(body: body, uaPrivateKey: key, authSecret: authSecret), as: UTF8.self)
    }
}

/// The parts of `Authorization: vapid t=<JWT>, k=<key>`.
struct VAPIDHeader {
    var token: String
    var key: String

    init?(_ value: String?) {
        guard let value, value.hasPrefix("vapid t=") else { return nil }
        let parts = value.dropFirst("vapid t=".count).split(separator: ",", maxSplits: 1)
        guard parts.count == 2, parts[1].hasPrefix(" k=") else { return nil }
        token = String(parts[0])
        key = String(parts[1].dropFirst(" k=".count))
    }
}
