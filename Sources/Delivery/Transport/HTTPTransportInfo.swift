import CCurl

extension HTTPTransport {
    /// The libcurl in use and its TLS and HTTP/2 libraries, e.g.
    /// "libcurl/7.88.1 OpenSSL/3.0.11 zlib/1.2.13 nghttp2/1.52.0": worth a
    /// line in the host's log at start-up.
    public static var libcurlVersion: String {
        String(cString: curl_version())
    }

    /// Whether this libcurl sends HTTP/2 PINGs on idle connections of a
    /// multi handle when asked to (libcurl 8.10 and newer); older ones keep
    /// idle connections with TCP keepalive only.
    public static var canPingIdleConnections: Bool {
        // Every age of the struct starts with version_num, so the oldest age suffices.
        guard let info = curl_version_info(CURLVERSION_FIRST) else { return false }
        return info.pointee.version_num >= 0x08_0A_00
    }
}
