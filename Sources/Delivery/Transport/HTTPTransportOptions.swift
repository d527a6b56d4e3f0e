extension HTTPTransport {
    /// How the transport uses connections. The defaults suit APNs and FCM:
    /// few connections per host, kept for hours, many streams on each.
    public struct Options: Sendable {
        /// Connections to one host (scheme, host and port). HTTP/2 requests
        /// queue for a free stream on these rather than open another.
        public var maxConnectionsPerHost = 2
        /// Connections to all hosts together.
        public var maxTotalConnections = 64
        /// The `user-agent` header.
        public var userAgent = "nudge"
        /// Time allowed for TCP and TLS setup, within `maxWaitToSendMs`.
        public var connectTimeoutMs = 10_000
        /// How long a request may wait to be sent: for a connection (set up,
        /// or its first answer, see ConnectionWarmup) or for a free stream.
        /// Its own `timeoutMs` starts only once it is sent.
        public var maxWaitToSendMs = 60_000
        /// Streams one HTTP/2 connection may carry at once, if the server
        /// allows that many (its SETTINGS_MAX_CONCURRENT_STREAMS always wins).
        /// APNs allows about 1000 once a token has been accepted.
        public var maxStreamsPerConnection = 1000
        /// How long an unused connection is kept for reuse. APNs treats rapid
        /// reconnects as abuse and wants connections kept for hours; curl's
        /// own default would drop them after two minutes.
        public var maxIdleConnectionSeconds = 24 * 3600
        /// How often connection upkeep runs: an HTTP/2 PING on each
        /// connection unused for this long (VENDORS.md: APNs wants a PING after
        /// about an hour idle). libcurl 8.10 or newer sends these for a
        /// multi handle; older libcurl ignores the call, and TCP keepalive
        /// (always on) is what keeps those connections known to be alive.
        public var upkeepIntervalMs = 15 * 60 * 1000
        /// Seconds of silence before TCP keepalive probes start, and between
        /// them: keeps NAT mappings open and finds peers that vanished.
        public var tcpKeepaliveSeconds = 60

        /// The defaults.
        public init() {}
    }
}
