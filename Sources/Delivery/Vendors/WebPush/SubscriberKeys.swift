import NudgeCrypto
import Synchronization

/// Subscribers' P-256 keys by their `p256dh` text, each decoded, checked
/// and imported into OpenSSL once: a device gets many messages, and the
/// import is a fifth of a message's cost. Bounded: when full it starts
/// over, which costs one import per subscriber again.
final class SubscriberKeys: Sendable {
    static let capacity = 16_384
    private let keys = Mutex([String: P256PublicKey]())

    /// The key, or what is wrong with the text.
    func key(_ p256dh: String) -> Result<P256PublicKey, CryptoError> {
        if let known = keys.withLock({ $0[p256dh] }) { return .success(known) }
        guard let bytes = Base64URL.decode(p256dh) else { return .failure(CryptoError("not base64url")) }
        let key: P256PublicKey
        do { key = try P256PublicKey(bytes) } catch { return .failure(error) }
        keys.withLock { table in
            if table.count >= Self.capacity { table.removeAll(keepingCapacity: true) }
            table[p256dh] = key
        }
        return .success(key)
    }
}
