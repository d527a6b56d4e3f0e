import NudgeCore

/// One configured backend's vendor logic: pure request building and answer
/// classification, plus the credential it caches.
///
/// Thread-safe: the dispatcher calls it from the delivery thread and the
/// transport's completion thread, so every cached credential sits behind a
/// lock inside the implementation.
public protocol VendorBackend: AnyObject, Sendable {
    /// The configuration the backend was made from.
    var config: BackendConfig { get }

    /// A request to make before pushes can be sent (FCM: an OAuth access
    /// token when none is valid or it expires within 5 minutes); nil when
    /// the credential is ready (APNs signs its own JWT).
    ///
    /// The dispatcher keeps at most one credential request per backend in
    /// flight, so this returns the request every time it is needed.
    func credentialRequest(now: Millis) -> HTTPRequest?

    /// The answer to `credentialRequest`. nil: the credential is ready now.
    /// Otherwise the outcome for every job that waited for it: `.configError`
    /// when the vendor refuses our credentials (Google's `invalid_grant`,
    /// with its text), `.retry` for transport failures and 5xx.
    func credentialAnswer(_ answer: Result<HTTPResponse, HTTPFailure>, now: Millis) -> DeliveryOutcome?

    /// The push request for one job, or the outcome when it cannot be built
    /// (`.rejected` when the payload does not fit the vendor's limit even
    /// without the message body).
    func request(for job: DeliveryJob, now: Millis) -> Result<HTTPRequest, DeliveryOutcome>

    /// Classifies the vendor's answer (or a transport failure) to the request
    /// made for `job`. Also updates the cached credential when the answer
    /// says it is stale (APNs `ExpiredProviderToken`, FCM `UNAUTHENTICATED`).
    func classify(_ answer: Result<HTTPResponse, HTTPFailure>, job: DeliveryJob, now: Millis) -> DeliveryOutcome
}
