import NudgeCore

/// The UBports (Ubuntu Touch) push backend. It needs no credentials: the
/// push server trusts whoever knows a device's token, so one backend may
/// serve every app (the original `app_name: any`).
public final class UBportsBackend: VendorBackend {
    /// The tag that lets a newer summary replace an older one.
    static let tagLength = 32

    /// The configuration the backend was made from.
    public let config: BackendConfig
    /// `https://push.ubports.com/notify` or the configured endpoint's.
    let notifyURL: String

    init(_ config: BackendConfig) throws(EngineError) {
        var base = config.endpoint ?? "https://push.ubports.com"
        guard base.hasPrefix("https://") || base.hasPrefix("http://") else {
            throw VendorConfig.error(config.configKey + ".endpoint", "expected an http or https URL, got \"\(base)\"")
        }
        while base.hasSuffix("/") { base.removeLast() }
        notifyURL = base + "/notify"
        self.config = config
    }

    /// No credentials to fetch.
    public func credentialRequest(now: Millis) -> HTTPRequest? { nil }

    /// Never asked for; an answer changes nothing.
    public func credentialAnswer(_ answer: Result<HTTPResponse, HTTPFailure>, now: Millis) -> DeliveryOutcome? { nil }

    /// `POST /notify` with the app id and token the device registered.
    public func request(for job: DeliveryJob, now: Millis) -> Result<HTTPRequest, DeliveryOutcome> {
        guard let appID = job.registration.extra("application-id"), !appID.isEmpty else {
            return .failure(.tokenGone(vendorTimestamp: nil, reason: "UBports registration has no application-id"))
        }
        let tag = NodeTag.tag(job.node, characters: Self.tagLength)
        guard let body = UBportsPayload.body(appID: appID, token: job.registration.token, summary: job.summary,
                                             createdAt: job.createdAt, tag: tag) else {
            return .failure(.rejected(reason: "UBports notification over \(UBportsPayload.bodyLimit) bytes (or data over \(UBportsPayload.dataLimit)) even without the message body"))
        }
        // The server wants exactly this content type, no charset parameter.
        return .success(HTTPRequest(url: notifyURL, headers: [("content-type", "application/json")], body: body))
    }

    /// The push server's table (`UBportsClassifier`).
    public func classify(_ answer: Result<HTTPResponse, HTTPFailure>, job: DeliveryJob, now: Millis) -> DeliveryOutcome {
        switch answer {
        case .failure(let failure):
            return .retry(afterMs: nil, reason: failure.message)
        case .success(let response):
            return UBportsClassifier.classify(response, now: now)
        }
    }
}
