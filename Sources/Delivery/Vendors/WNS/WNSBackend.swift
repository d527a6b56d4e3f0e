import NudgeCore
import Synchronization

/// The Windows Push Notification Services backend: one app (package SID),
/// OAuth client credentials, raw or toast notifications.
public final class WNSBackend: VendorBackend {
    /// WNS's tag limit: 16 characters, letters and digits only.
    static let tagLength = 16

    /// The configuration the backend was made from.
    public let config: BackendConfig
    let credentials: WNSCredentials
    let channel: WNSChannel
    let toast: Bool
    let accessToken = VendorAccessToken()
    /// Which access token each job's request carried, until its answer: a
    /// 401 drops the token only if it is still the one held.
    private let tokenUsed = Mutex<[UInt64: String]>([:])

    init(_ config: BackendConfig, warn: (String) -> Void) throws(EngineError) {
        guard config.wnsType == "raw" || config.wnsType == "toast" else {
            throw VendorConfig.error(config.configKey + ".wns_type", "expected raw or toast, got \"\(config.wnsType)\"")
        }
        if let ttl = config.ttlSeconds, ttl < 1 {
            throw VendorConfig.error(config.configKey + ".ttl_s", "must be at least 1, got \(ttl)")
        }
        credentials = try WNSCredentials.load(config, warn: warn)
        channel = WNSChannel(endpoint: config.endpoint)
        toast = config.wnsType == "toast"
        self.config = config
    }

    /// The OAuth token request while no token is held or it expires within
    /// five minutes; nil while the held one is good.
    public func credentialRequest(now: Millis) -> HTTPRequest? {
        accessToken.needsRefresh(now: now) ? credentials.tokenRequest : nil
    }

    /// Keeps the granted token; otherwise the outcome for the waiting jobs
    /// (`invalid_client`: a wrong SID or secret, a configuration error).
    public func credentialAnswer(_ answer: Result<HTTPResponse, HTTPFailure>, now: Millis) -> DeliveryOutcome? {
        accessToken.accept(OAuthGrant.read(answer, endpointName: WNSCredentials.endpointName, now: now), now: now)
    }

    /// `POST <channel URI>` with the access token and the notification.
    public func request(for job: DeliveryJob, now: Millis) -> Result<HTTPRequest, DeliveryOutcome> {
        let uri = job.registration.token
        if let refusal = channel.check(uri) {
            return .failure(.tokenGone(vendorTimestamp: nil, reason: "WNS channel URI not allowed: \(refusal)"))
        }
        guard let token = accessToken.valid(now: now) else {
            return .failure(.retry(afterMs: 0, reason: "no access token yet"))
        }
        guard let notification = WNSNotification.make(job.summary, toast: toast) else {
            return .failure(.rejected(reason: "WNS notification over \(WNSNotification.limit) bytes even without the message body"))
        }
        var headers: [(name: String, value: String)] = [
            ("authorization", "Bearer " + token),
            ("x-wns-type", notification.type),
            ("content-type", notification.contentType),
        ]
        if notification.type == "wns/toast" {
            // A newer toast for the device replaces the older one.
            headers.append(("x-wns-tag", NodeTag.hexTag(job.node, characters: Self.tagLength)))
        } else {
            // WNS keeps no raw push for an offline device unless asked,
            // and then only the latest: the newest summary is the one wanted.
            headers.append(("x-wns-cache-policy", "cache"))
        }
        if let ttl = config.ttlSeconds { headers.append(("x-wns-ttl", String(ttl))) }
        tokenUsed.withLock { $0[job.seq] = token }
        return .success(HTTPRequest(url: uri, headers: headers, body: notification.body))
    }

    /// WNS's table (`WNSClassifier`); a 401 also drops the access token the
    /// request carried, so the next credential request fetches a new one.
    public func classify(_ answer: Result<HTTPResponse, HTTPFailure>, job: DeliveryJob, now: Millis) -> DeliveryOutcome {
        let used = tokenUsed.withLock { $0.removeValue(forKey: job.seq) }
        switch answer {
        case .failure(let failure):
            return .retry(afterMs: nil, reason: failure.message)
        case .success(let response):
            let verdict = WNSClassifier.classify(response, now: now)
            if verdict.accessTokenRejected {
                if let used { accessToken.drop(ifCurrent: used) } else { accessToken.drop() }
            }
            return verdict.outcome
        }
    }
}
