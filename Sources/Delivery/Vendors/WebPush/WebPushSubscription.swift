import NudgeCrypto
import NudgeCore
import NudgeStore

/// The keys a browser or UnifiedPush distributor gave with its endpoint
/// (RFC 8291): the user agent's P-256 public key and the auth secret.
struct WebPushSubscription {
    /// `p256dh`: 65 bytes, 0x04‖X‖Y, checked to be a point on P-256.
    var publicKey: P256PublicKey
    /// `auth`: 16 bytes.
    var authSecret: [UInt8]

    /// The registration's keys, or `.tokenGone` saying why they cannot be
    /// used: no push to the subscription could succeed. Registration
    /// checked their form already; this also checks that the key is a point
    /// on P-256, so that a failure to encrypt later is ours, not the
    /// subscription's.
    static func read(_ registration: RegRecord, keys: SubscriberKeys) -> Result<WebPushSubscription, DeliveryOutcome> {
        guard let p256dh = registration.extra("p256dh") else {
            return .failure(gone("Web Push subscription has no p256dh key"))
        }
        guard let auth = registration.extra("auth"), let secret = Base64URL.decode(auth),
              secret.count == WebPushEncryption.authSecretLength
        else { return .failure(gone("Web Push subscription has no 16-byte auth secret")) }
        switch keys.key(p256dh) {
        case .success(let key): return .success(WebPushSubscription(publicKey: key, authSecret: secret))
        case .failure(let problem): return .failure(gone("Web Push subscription p256dh: \(problem.message)"))
        }
    }

    private static func gone(_ reason: String) -> DeliveryOutcome {
        .tokenGone(vendorTimestamp: nil, reason: reason)
    }
}
