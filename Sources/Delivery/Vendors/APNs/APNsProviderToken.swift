import NudgeCrypto
import NudgeCore
import NudgeXMPP
import Synchronization

/// The JWT of APNs token auth, signed with the team's .p8 key and shared by
/// every request of the backend.
///
/// Apple refuses a token older than an hour (`ExpiredProviderToken`) and one
/// replaced more often than every 20 minutes (`TooManyProviderTokenUpdates`),
/// so a token is reused for 50 minutes: renewal stays well inside both bounds.
final class APNsProviderToken: Sendable {
    /// How long one token is used before a new one is signed.
    static let reuseMs: Millis = 50 * 60_000
    /// After Apple called the current token expired, a new one is signed;
    /// if that one is refused too within this time, the cause is not the
    /// token (a wrong clock, a revoked key) and signing yet another would
    /// only earn TooManyProviderTokenUpdates.
    static let minimumRenewalIntervalMs: Millis = 60_000

    private struct Signed {
        var jwt: String
        var issuedAt: Millis
    }

    private let key: P256PrivateKey
    private let headerJSON: String
    private let teamID: String
    private let cached = Mutex<Signed?>(nil)
    /// When an expiry answer last made us sign a new token.
    private let lastRenewal = Mutex<Millis?>(nil)

    init(key: P256PrivateKey, keyID: String, teamID: String) {
        self.key = key
        self.teamID = teamID
        headerJSON = JSON.object(["alg": "ES256", "kid": .string(keyID)]).serialized()
    }

    /// The token to send at `now`: the cached one while it is younger than
    /// 50 minutes, else a freshly signed one. A token dated after `now` (the
    /// clock was set back) is replaced too, since Apple would see its `iat`
    /// in the future.
    func current(now: Millis) throws(CryptoError) -> String {
        try currentSigned(now: now).jwt
    }

    /// The token and when it was signed, so that an answer can be matched
    /// to the token its request carried.
    func currentSigned(now: Millis) throws(CryptoError) -> (jwt: String, issuedAt: Millis) {
        try cached.withLock { (cached: inout Signed?) throws(CryptoError) -> (jwt: String, issuedAt: Millis) in
            if let token = cached, now >= token.issuedAt, now - token.issuedAt < Self.reuseMs {
                return (token.jwt, token.issuedAt)
            }
            let claims = JSON.object(["iss": .string(teamID), "iat": .number(Double(now / 1000))]).serialized()
            let jwt = try JWT.sign(headerJSON: headerJSON, claimsJSON: claims, signer: key.signES256)
            cached = Signed(jwt: jwt, issuedAt: now)
            return (jwt, now)
        }
    }

    /// Apple answered `ExpiredProviderToken` to a request that carried the
    /// token signed at `usedIssuedAt`. When that is still the current
    /// token it is dropped, so the next request signs a new one; an answer
    /// about a token already replaced changes nothing. Returns whether it
    /// was dropped.
    @discardableResult
    func expired(usedIssuedAt: Millis?, now: Millis) -> Bool {
        cached.withLock { cached in
            guard let token = cached, usedIssuedAt == nil || usedIssuedAt == token.issuedAt else { return false }
            let renewedRecently = lastRenewal.withLock { last in
                if let last, now - last < Self.minimumRenewalIntervalMs { return true }
                last = now
                return false
            }
            guard !renewedRecently else { return false }
            cached = nil
            return true
        }
    }
}
