import NudgeCrypto
import NudgeCore
import NudgeXMPP
import Synchronization

/// VAPID (RFC 8292): the `Authorization: vapid t=<JWT>, k=<key>` header
/// that tells push services who sends, signed with the backend's key.
///
/// A token names one push service (its origin, the `aud` claim), so one
/// is kept per origin and reused until it is 6 hours old: well inside its
/// 12-hour `exp`, and few signatures even with many subscriptions.
final class WebPushVAPID: Sendable {
    /// How far ahead `exp` lies; RFC 8292 allows at most 24 hours.
    static let lifetimeMs: Millis = 12 * 3_600_000
    /// A token this old is replaced by a new one.
    static let renewAfterMs: Millis = 6 * 3_600_000
    /// Origins kept at once. Subscriptions name a handful of push services
    /// (and UnifiedPush distributors); a client cannot make the cache grow
    /// without bound by registering endpoints on ever new hosts.
    static let maximumOrigins = 1024

    private struct Signed {
        var jwt: String
        var issuedAt: Millis
    }

    private let key: P256PrivateKey
    private let subject: String
    /// The public key, base64url: the `k` parameter.
    let publicKey: String
    private static let headerJSON = JSON.object(["typ": "JWT", "alg": "ES256"]).serialized()
    private let tokens = Mutex<[String: Signed]>([:])

    init(key: P256PrivateKey, subject: String) {
        self.key = key
        self.subject = subject
        publicKey = Base64URL.encode(key.publicKey)
    }

    /// The header value for a push to a service at `origin`.
    func authorization(origin: String, now: Millis) throws(CryptoError) -> String {
        "vapid t=\(try token(origin: origin, now: now)), k=\(publicKey)"
    }

    /// The token for `origin` at `now`: the cached one while it is younger
    /// than 6 hours, else a freshly signed one. One dated after `now` (the
    /// clock was set back) is replaced too.
    func token(origin: String, now: Millis) throws(CryptoError) -> String {
        try tokens.withLock { (tokens: inout [String: Signed]) throws(CryptoError) -> String in
            if let cached = tokens[origin], now >= cached.issuedAt, now - cached.issuedAt < Self.renewAfterMs {
                return cached.jwt
            }
            let claims = JSON.object([
                "aud": .string(origin),
                "exp": .number(Double((now + Self.lifetimeMs) / 1000)),
                "sub": .string(subject),
            ]).serialized()
            let jwt = try JWT.sign(headerJSON: Self.headerJSON, claimsJSON: claims, signer: key.signES256)
            if tokens[origin] == nil && tokens.count >= Self.maximumOrigins {
                tokens = tokens.filter { now >= $0.value.issuedAt && now - $0.value.issuedAt < Self.renewAfterMs }
                // All still fresh: start over rather than grow; they are re-signed on demand.
                if tokens.count >= Self.maximumOrigins { tokens.removeAll() }
            }
            tokens[origin] = Signed(jwt: jwt, issuedAt: now)
            return jwt
        }
    }
}
