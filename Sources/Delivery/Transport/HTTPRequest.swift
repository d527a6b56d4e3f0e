/// One HTTP request for a vendor: what `HTTPTransport.send` takes.
///
/// The transport copies everything it needs, so the value may be reused or
/// changed as soon as `send` returns.
public struct HTTPRequest: Sendable {
    /// The request method; `POST` sends `body`, other methods send it only when it is not empty.
    public var method: String = "POST"
    /// An absolute `http` or `https` URL; other schemes are refused.
    public var url: String
    /// Request headers in order. A header the caller does not set is not sent,
    /// except the ones HTTP itself needs (`host`/`:authority`, `content-length`)
    /// and `user-agent`/`accept`.
    public var headers: [(name: String, value: String)]
    /// The request body, sent as is.
    public var body: [UInt8]
    /// The answer must come within this many milliseconds of the request
    /// being sent on a connection. Waiting for a connection or a free stream
    /// before that is bounded by `HTTPTransport.Options.maxWaitToSendMs`.
    public var timeoutMs: Int = 30_000
    /// A PEM CA bundle to trust instead of the system's (how tests trust their
    /// throwaway CA; also for private vendors' endpoints).
    public var caFile: String?
    /// Client certificate (PEM), for APNs certificate auth.
    public var clientCertFile: String?
    /// The client certificate's private key (PEM).
    public var clientKeyFile: String?
    /// False refuses to connect to loopback, private, link-local,
    /// unique-local, unspecified and other non-public addresses (also in
    /// their IPv4-mapped IPv6 form), whatever name resolved to them: for
    /// URLs that came from outside (Web Push endpoints), which must not
    /// reach the host's own services. The failure is a `.connect` one whose
    /// `refusedAddress` is set. Through a proxy (`https_proxy`), the
    /// address checked is the proxy's: the proxy resolves the URL's host.
    public var allowPrivateAddresses: Bool = true

    /// A request to `url`; the method is `POST`.
    public init(url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.url = url
        self.headers = headers
        self.body = body
    }
}
