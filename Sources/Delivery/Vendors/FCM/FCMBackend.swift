import NudgeCore
import Synchronization

/// The FCM HTTP v1 backend: one Firebase project, OAuth with a service account.
public final class FCMBackend: VendorBackend {
    /// The configuration the backend was made from.
    public let config: BackendConfig
    let account: FCMServiceAccount
    let sendURL: String
    let accessToken = VendorAccessToken()
    /// Why the last assertion could not be signed, for the jobs that then
    /// find no token: OpenSSL failing on a key it loaded is rare, but its
    /// words should reach the operator.
    private let signingFailure = Mutex<String?>(nil)

    init(_ config: BackendConfig, warn: (String) -> Void) throws(EngineError) {
        account = try FCMServiceAccount.load(config, warn: warn)
        var base = config.endpoint ?? "https://fcm.googleapis.com"
        while base.hasSuffix("/") { base.removeLast() }
        sendURL = base + "/v1/projects/\(account.projectID)/messages:send"
        self.config = config
    }

    /// The OAuth token request while no token is held or it expires within
    /// five minutes; nil while the held one is good.
    public func credentialRequest(now: Millis) -> HTTPRequest? {
        guard accessToken.needsRefresh(now: now) else { return nil }
        do {
            let request = try FCMOAuth.tokenRequest(account, now: now)
            signingFailure.withLock { $0 = nil }
            return request
        } catch {
            // Nothing to send: the waiting jobs go on to request(for:),
            // which finds no token and reports this.
            signingFailure.withLock { $0 = error.message }
            return nil
        }
    }

    /// Keeps the granted token; otherwise the outcome for the waiting jobs.
    public func credentialAnswer(_ answer: Result<HTTPResponse, HTTPFailure>, now: Millis) -> DeliveryOutcome? {
        accessToken.accept(FCMOAuth.grant(from: answer, now: now), now: now)
    }

    /// `POST …/messages:send` with the held access token and the message.
    public func request(for job: DeliveryJob, now: Millis) -> Result<HTTPRequest, DeliveryOutcome> {
        guard let token = accessToken.valid(now: now) else {
            if let failure = signingFailure.withLock({ $0 }) {
                return .failure(.retry(afterMs: nil, reason: "cannot sign the OAuth assertion: \(failure)"))
            }
            return .failure(.retry(afterMs: 0, reason: "no access token yet"))
        }
        let names = ConversationsNames.dataKeys.compactMap { key in job.registration.extra(key).map { (key, $0) } }
        guard let body = FCMMessage.body(token: job.registration.token, summary: job.summary, names: names,
                                         priority: job.priority, createdAt: job.createdAt, node: job.node, now: now) else {
            return .failure(.rejected(reason: "FCM message over \(FCMMessage.limit) bytes even without the message body"))
        }
        return .success(HTTPRequest(url: sendURL,
                                    headers: [("authorization", "Bearer " + token), ("content-type", "application/json")],
                                    body: body))
    }

    /// FCM's errorCode table (`FCMClassifier`); `UNAUTHENTICATED` also drops the access token.
    public func classify(_ answer: Result<HTTPResponse, HTTPFailure>, job: DeliveryJob, now: Millis) -> DeliveryOutcome {
        switch answer {
        case .failure(let failure):
            return .retry(afterMs: nil, reason: failure.message)
        case .success(let response):
            let verdict = FCMClassifier.classify(response, now: now)
            if verdict.accessTokenRejected { accessToken.drop() }
            return verdict.outcome
        }
    }
}
