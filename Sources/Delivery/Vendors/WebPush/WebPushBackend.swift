import NudgeStore
import NudgeCrypto
import NudgeCore
import NudgeNet

/// The Web Push backend (RFC 8030, 8291, 8292): encrypted pushes to the
/// endpoint each subscription names, signed with VAPID. It also serves
/// UnifiedPush, which is Web Push to the distributor's endpoint.
public final class WebPushBackend: VendorBackend {
    /// The push lifetime when `ttl_s` is not configured: a day.
    static let defaultTTLSeconds = BackendConfig.webPushDefaultTTLSeconds

    /// The configuration the backend was made from.
    public let config: BackendConfig
    let vapid: WebPushVAPID
    let ttlSeconds: Int
    let padTo: Int
    /// Subscribers' keys, checked and imported once each, not per message.
    let subscriberKeys = SubscriberKeys()
    /// Allowed endpoints' origins (the VAPID audience), each endpoint read
    /// once: reading the URL costs more than the rest of a message but its
    /// crypto. The rule (`allow_http`, `allow_private_addresses`) is the
    /// backend's, fixed, so an endpoint's verdict never changes.
    let endpointOrigins = BoundedMemo<String>(capacity: SubscriberKeys.capacity)

    init(_ config: BackendConfig, warn: (String) -> Void) throws(EngineError) {
        let keyKey = config.configKey + ".vapid_private_key_file"
        guard let keyFile = config.vapidPrivateKeyFile else {
            throw VendorConfig.error(keyKey, "required: the VAPID key (PEM, P-256) that signs pushes")
        }
        guard let subject = config.subject else {
            throw VendorConfig.error(config.configKey + ".subject", "required: a mailto: or https: contact for push services")
        }
        guard subject.hasPrefix("mailto:") || subject.hasPrefix("https:") else {
            throw VendorConfig.error(config.configKey + ".subject", "must start with mailto: or https:, got \"\(subject)\"")
        }
        guard config.padTo >= 1 else {
            throw VendorConfig.error(config.configKey + ".pad_to", "must be at least 1, got \(config.padTo)")
        }
        if let ttl = config.ttlSeconds, ttl < 0 {
            throw VendorConfig.error(config.configKey + ".ttl_s", "must not be negative, got \(ttl)")
        }
        let pem = try VendorConfig.read(keyFile, key: keyKey, warn: warn)
        let key = try VendorConfig.parse(keyFile, key: keyKey) { () throws(CryptoError) in try P256PrivateKey(pem: pem) }
        self.config = config
        vapid = WebPushVAPID(key: key, subject: subject)
        ttlSeconds = config.ttlSeconds ?? Self.defaultTTLSeconds
        padTo = config.padTo
    }

    /// VAPID tokens are signed locally: no credential exchange.
    public func credentialRequest(now: Millis) -> HTTPRequest? { nil }

    /// Never asked for; an answer changes nothing.
    public func credentialAnswer(_ answer: Result<HTTPResponse, HTTPFailure>, now: Millis) -> DeliveryOutcome? { nil }

    /// `POST <endpoint>` with the encrypted summary. An endpoint the
    /// configuration does not allow, or a subscription whose keys are
    /// unusable, is gone: no push to it can ever succeed.
    public func request(for job: DeliveryJob, now: Millis) -> Result<HTTPRequest, DeliveryOutcome> {
        let endpoint = job.registration.token
        let origin: String
        switch endpointOrigins.value(endpoint, { WebPushEndpoint.accept($0, allowHTTP: config.allowHTTP, allowPrivateAddresses: config.allowPrivateAddresses) }) {
        case .success(let o): origin = o
        case .failure(let refusal): return .failure(.tokenGone(vendorTimestamp: nil, reason: "endpoint not allowed: \(refusal.text)"))
        }
        let summary = job.summary
        if let push2 = summary.push2 { return relayed(push2, job, endpoint: endpoint, origin: origin, now: now) }
        let subscription: WebPushSubscription
        switch WebPushSubscription.read(job.registration, keys: subscriberKeys) {
        case .success(let s): subscription = s
        case .failure(let gone): return .failure(gone)
        }
        guard let plaintext = WebPushPayload.fitting(summary) else {
            return .failure(.rejected(reason: "Web Push message over \(WebPushPayload.bodyLimit) bytes even without the message body"))
        }
        let body: [UInt8]
        let authorization: String
        do {
            body = try WebPushPayload.body(plaintext, for: subscription, padTo: padTo)
            authorization = try vapid.authorization(origin: origin, now: now)
        } catch {
            // The keys were checked: what fails now is OpenSSL on our side.
            return .failure(.retry(afterMs: nil, reason: "Web Push: \(error.message)"))
        }
        var request = HTTPRequest(url: endpoint, body: body)
        request.headers = WebPushHeaders.headers(
            ttlSeconds: WebPushHeaders.ttl(configuredSeconds: ttlSeconds, createdAt: job.createdAt, now: now),
            urgency: WebPushHeaders.urgency(job.priority, isWake: summary.wakeReason != nil),
            topic: WebPushHeaders.topic(node: job.node),
            authorization: authorization)
        // The endpoint came from a client: the transport re-checks the
        // addresses its host resolves to, where DNS cannot fool the check.
        request.allowPrivateAddresses = config.allowPrivateAddresses
        return .success(request)
    }

    /// A Push 2.0 notification: its payload is already encrypted for the
    /// subscription, and its JWT is the client's, so both go unchanged; a
    /// notification without a JWT is signed with this backend's VAPID key,
    /// one without a payload is a push without data.
    private func relayed(_ push2: PushSummary.Push2Content, _ job: DeliveryJob, endpoint: String, origin: String,
                         now: Millis) -> Result<HTTPRequest, DeliveryOutcome> {
        var body: [UInt8] = []
        if let payload = push2.payload {
            guard let bytes = Base64.decode(payload), bytes.count <= WebPushPayload.bodyLimit else {
                return .failure(.rejected(reason: "Push 2.0 payload is not base64 of at most \(WebPushPayload.bodyLimit) bytes"))
            }
            body = bytes
        }
        let authorization: String
        if let jwt = push2.jwt, let key = push2.jwtKey.flatMap(Base64.decode) {
            authorization = "vapid t=\(jwt), k=\(Base64URL.encode(key))"
        } else {
            do { authorization = try vapid.authorization(origin: origin, now: now) } catch {
                return .failure(.retry(afterMs: nil, reason: "Web Push: \(error.message)"))
            }
        }
        var request = HTTPRequest(url: endpoint, body: body)
        request.headers = WebPushHeaders.headers(
            ttlSeconds: WebPushHeaders.ttl(configuredSeconds: ttlSeconds, createdAt: job.createdAt, now: now),
            urgency: WebPushHeaders.urgency(job.priority, isWake: false),
            topic: WebPushHeaders.topic(node: job.node),
            authorization: authorization).filter { !body.isEmpty || ($0.name != "content-encoding" && $0.name != "content-type") }
        request.allowPrivateAddresses = config.allowPrivateAddresses
        return .success(request)
    }

    /// RFC 8030's answers (`WebPushClassifier`).
    public func classify(_ answer: Result<HTTPResponse, HTTPFailure>, job: DeliveryJob, now: Millis) -> DeliveryOutcome {
        switch answer {
        case .failure(let failure):
            return WebPushClassifier.classify(failure)
        case .success(let response):
            let endpoint = job.registration.token
            let origin = endpointOrigins.known(endpoint) ?? WebPushEndpoint.origin(endpoint) ?? "(endpoint)"
            return WebPushClassifier.classify(response, origin: origin, now: now)
        }
    }
}
