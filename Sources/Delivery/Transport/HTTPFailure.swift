/// Why a request got no HTTP response.
///
/// A response with an error status is not a failure: it arrives as an
/// `HTTPResponse`. A failure means the vendor's answer never arrived, so the
/// delivery may be retried.
public struct HTTPFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The broad cause, for retry decisions and counters.
    public enum Kind: Sendable, Equatable {
        /// The host could not be resolved or reached (refused, unreachable, proxy unreachable).
        case connect
        /// The TLS handshake failed: untrusted or mismatched certificate, bad client certificate, …
        case tls
        /// The request's `timeoutMs` (or the connect timeout) ran out.
        case timeout
        /// The server broke HTTP: a reset stream or connection, nothing or garbage received.
        case protocolError
        /// The response's headers exceeded what the transport keeps.
        case tooLarge
        /// The transport was closed before the response arrived.
        case cancelled
        /// Anything else, including a request the transport refuses (bad URL, bad header).
        case other
    }

    /// The broad cause.
    public let kind: Kind
    /// What exactly happened, in curl's words where curl had them.
    public let message: String
    /// Set when the request was stopped because every address its host
    /// had was private and the request did not allow those
    /// (`HTTPRequest.allowPrivateAddresses`): the address refused last.
    /// Retrying cannot help, unlike other connect failures.
    public let refusedAddress: String?

    /// A failure of the given kind.
    public init(kind: Kind, message: String, refusedAddress: String? = nil) {
        self.kind = kind
        self.message = message
        self.refusedAddress = refusedAddress
    }

    public var description: String { "\(kind): \(message)" }
}
