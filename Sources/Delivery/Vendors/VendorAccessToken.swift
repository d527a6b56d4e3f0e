import NudgeCore
import Synchronization

/// An OAuth access token a vendor granted (FCM, WNS), shared by every
/// request of one backend.
final class VendorAccessToken: Sendable {
    /// A new token is fetched this long before the old one expires, so no
    /// push leaves with a token that expires on the way.
    static let refreshMarginMs: Millis = 5 * 60_000

    private struct Grant {
        var token: String
        var expiresAt: Millis
        var refreshAt: Millis
    }

    private let grant = Mutex<Grant?>(nil)

    /// Whether a new token should be fetched before sending at `now`.
    func needsRefresh(now: Millis) -> Bool {
        grant.withLock { grant in grant.map { now >= $0.refreshAt } ?? true }
    }

    /// The token, while it has not expired.
    func valid(now: Millis) -> String? {
        grant.withLock { grant in grant.flatMap { now < $0.expiresAt ? $0.token : nil } }
    }

    /// Keeps a token the vendor granted at `now` for `expiresInSeconds`.
    /// Takes the credential endpoint's verdict: a grant is kept (nil: the
    /// waiting jobs may go), a refusal is returned as their outcome.
    func accept(_ grant: Result<OAuthGrant, DeliveryOutcome>, now: Millis) -> DeliveryOutcome? {
        switch grant {
        case .success(let g):
            store(g.accessToken, expiresInSeconds: g.expiresInSeconds, now: now)
            return nil
        case .failure(let outcome):
            return outcome
        }
    }

    func store(_ token: String, expiresInSeconds: Millis, now: Millis) {
        let lifetime = expiresInSeconds * 1000
        // A lifetime shorter than twice the margin (Google grants an hour,
        // Microsoft a day) would be "due for refresh" at once, and every
        // push would fetch a token: refresh halfway through it instead.
        let margin = min(Self.refreshMarginMs, lifetime / 2)
        grant.withLock { $0 = Grant(token: token, expiresAt: now + lifetime, refreshAt: now + lifetime - margin) }
    }

    /// The vendor no longer accepts the token: forget it so the next push fetches one.
    func drop() {
        grant.withLock { $0 = nil }
    }

    /// The vendor refused `token`: forget it if it is still the one held.
    /// Every request that was in flight with it is refused alike, and a
    /// token fetched meanwhile must not be dropped for their answers.
    func drop(ifCurrent token: String) {
        grant.withLock { grant in
            if grant?.token == token { grant = nil }
        }
    }
}
