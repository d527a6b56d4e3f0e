import NudgeCrypto
import NudgeCore
import Synchronization

/// The APNs provider API backend: one app (topic), token or certificate auth.
public final class APNsBackend: VendorBackend {
    /// The configuration the backend was made from.
    public let config: BackendConfig
    /// `https://api.push.apple.com/3/device/` or its sandbox/override form.
    let deviceURL: String
    let topic: String
    let kind: APNsPushKind
    let style: APNsAlertStyle
    let auth: APNsAuth
    /// Which token each job's request carried, until its answer: an
    /// ExpiredProviderToken answer drops the token only if it is the one
    /// the request used.
    private let tokenUsed = Mutex<[UInt64: Millis]>([:])

    init(_ config: BackendConfig, warn: (String) -> Void) throws(EngineError) {
        guard let topic = config.topic, !topic.isEmpty else {
            throw VendorConfig.error(config.configKey + ".topic", "required: the app's bundle id")
        }
        guard let kind = APNsPushKind(rawValue: config.pushType) else {
            throw VendorConfig.error(config.configKey + ".push_type", "expected alert, background or voip, got \"\(config.pushType)\"")
        }
        var base = config.endpoint ?? (config.sandbox ? "https://api.sandbox.push.apple.com" : "https://api.push.apple.com")
        // "https://proxy/" + "/3/device" would be a path Apple calls BadPath.
        while base.hasSuffix("/") { base.removeLast() }
        self.config = config
        self.deviceURL = base + "/3/device/"
        self.topic = topic
        self.kind = kind
        self.style = APNsAlertStyle(config)
        self.auth = try APNsAuth.load(config, warn: warn)
    }

    /// APNs needs no separate credential exchange: the JWT is signed locally.
    public func credentialRequest(now: Millis) -> HTTPRequest? { nil }

    /// Never asked for; an answer changes nothing.
    public func credentialAnswer(_ answer: Result<HTTPResponse, HTTPFailure>, now: Millis) -> DeliveryOutcome? { nil }

    /// `POST /3/device/<token>` with the `apns-*` headers and the payload;
    /// with token auth, `authorization: bearer <JWT>`.
    public func request(for job: DeliveryJob, now: Millis) -> Result<HTTPRequest, DeliveryOutcome> {
        let summary = job.summary
        // A call encrypted for Tigase's clients rings through PushKit, at
        // the token the device registered for it (`device-second-token`).
        let call = summary.encrypted?.voip == true || summary.push2?.voip == true
        let voipToken = call ? job.registration.extra(TigaseProvider.voipTokenKey) : nil
        let token = voipToken ?? job.registration.token
        // Apple tokens are hex; anything else would change the URL's path
        // and Apple would answer BadDeviceToken for it anyway.
        guard !token.isEmpty, token.utf8.allSatisfy(Self.isHexDigit) else {
            return .failure(.tokenGone(vendorTimestamp: nil, reason: "APNs device token is not hex"))
        }
        let kind = voipToken != nil ? .voip : self.kind.forPush(isWake: summary.wakeReason != nil)
        let account = job.registration.extra(TigaseProvider.extraKey) != nil ? job.registration.owner : nil
        guard let body = APNsPayload.body(summary, kind: kind, style: style, account: account) else {
            return .failure(.rejected(reason: "APNs payload over \(kind.payloadLimit) bytes even without the message body"))
        }
        var headers: [(name: String, value: String)] = []
        var request = HTTPRequest(url: deviceURL + token)
        switch auth {
        case .token(let providerToken):
            do {
                let signed = try providerToken.currentSigned(now: now)
                headers.append(("authorization", "bearer " + signed.jwt))
                tokenUsed.withLock { $0[job.seq] = signed.issuedAt }
            } catch {
                return .failure(.retry(afterMs: nil, reason: "APNs provider token: \(error.message)"))
            }
        case .certificate(let certFile, let keyFile):
            request.clientCertFile = certFile
            request.clientKeyFile = keyFile
        }
        headers += APNsHeaders.headers(topic: topic, kind: kind, priority: job.priority,
                                       createdAt: job.createdAt, node: job.node)
        request.headers = headers
        request.body = body
        return .success(request)
    }

    /// Apple's table (`APNsClassifier`); `ExpiredProviderToken` also drops the cached JWT.
    public func classify(_ answer: Result<HTTPResponse, HTTPFailure>, job: DeliveryJob, now: Millis) -> DeliveryOutcome {
        let usedIssuedAt = tokenUsed.withLock { $0.removeValue(forKey: job.seq) }
        switch answer {
        case .failure(let failure):
            return .retry(afterMs: nil, reason: failure.message)
        case .success(let response):
            let verdict = APNsClassifier.classify(response, now: now)
            if verdict.providerTokenExpired, case .token(let providerToken) = auth {
                providerToken.expired(usedIssuedAt: usedIssuedAt, now: now)
            }
            return verdict.outcome
        }
    }

    private static func isHexDigit(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)
    }
}
