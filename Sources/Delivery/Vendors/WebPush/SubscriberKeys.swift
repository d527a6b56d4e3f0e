import NudgeCrypto

/// Subscribers' P-256 keys by their `p256dh` text, each decoded, checked
/// and imported into OpenSSL once: a device gets many messages, and the
/// import is a fifth of a message's cost.
final class SubscriberKeys: Sendable {
    static let capacity = 16_384
    private let keys = BoundedMemo<P256PublicKey>(capacity: capacity)

    /// The key, or what is wrong with the text.
    func key(_ p256dh: String) -> Result<P256PublicKey, CryptoError> {
        keys.value(p256dh) { text -> Result<P256PublicKey, CryptoError> in
            guard let bytes = Base64URL.decode(text) else { return .failure(CryptoError("not base64url")) }
            return Result { () throws(CryptoError) in try P256PublicKey(bytes) }
        }
    }
}
