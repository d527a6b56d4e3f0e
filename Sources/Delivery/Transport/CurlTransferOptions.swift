import CCurl
import Glibc

/// The easy-handle options every request gets: the security rules (no
/// redirects, http/https only), HTTP/2 with multiplexing, timeouts,
/// long-lived connections, and the callbacks into `CurlTransfer`.
extension CurlTransfer {
    func configure(_ request: HTTPRequest, _ options: HTTPTransport.Options, timeoutMs: Int) throws(HTTPFailure) {
        try set(CURLOPT_URL, request.url)
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeRawPointer(errorBuffer))
        // Signals are the host's: curl must not install handlers or use alarm().
        try set(CURLOPT_NOSIGNAL, 1)
        // Vendor and Web Push endpoints come from outside: no other schemes
        // (file:, gopher:, …) and no redirects, which could point anywhere.
        try set(CURLOPT_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_FOLLOWLOCATION, 0)
        try set(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
        // Wait for a stream on an existing connection rather than open another.
        try set(CURLOPT_PIPEWAIT, 1)
        try set(CURLOPT_TIMEOUT_MS, timeoutMs)
        try set(CURLOPT_CONNECTTIMEOUT_MS, max(1, options.connectTimeoutMs))
        try set(CURLOPT_MAXAGE_CONN, max(1, options.maxIdleConnectionSeconds))
        try set(CURLOPT_UPKEEP_INTERVAL_MS, max(1, options.upkeepIntervalMs))
        try set(CURLOPT_TCP_KEEPALIVE, 1)
        try set(CURLOPT_TCP_KEEPIDLE, max(1, options.tcpKeepaliveSeconds))
        try set(CURLOPT_TCP_KEEPINTVL, max(1, options.tcpKeepaliveSeconds))
        try set(CURLOPT_USERAGENT, options.userAgent)
        try configureTLS(request)
        try configureMethodAndBody(request)
        try configureHeaders(request)
        try configureCallbacks()
    }

    private func configureTLS(_ request: HTTPRequest) throws(HTTPFailure) {
        if let caFile = request.caFile {
            try set(CURLOPT_CAINFO, caFile)
            // "Instead of the system's": the built-in CA directory would
            // otherwise still be consulted next to the bundle.
            try set(CURLOPT_CAPATH, pointer: nil)
        }
        if let cert = request.clientCertFile {
            try set(CURLOPT_SSLCERT, cert)
            try set(CURLOPT_SSLCERTTYPE, "PEM")
        }
        if let key = request.clientKeyFile {
            try set(CURLOPT_SSLKEY, key)
            try set(CURLOPT_SSLKEYTYPE, "PEM")
        }
    }

    private func configureMethodAndBody(_ request: HTTPRequest) throws(HTTPFailure) {
        let method = request.method
        if method == "POST" || !request.body.isEmpty {
            try set(CURLOPT_POSTFIELDS, pointer: UnsafeRawPointer(requestBody.baseAddress!))
            try check(nudge_curl_easy_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)),
                      CURLOPT_POSTFIELDSIZE_LARGE)
            if method != "POST" { try set(CURLOPT_CUSTOMREQUEST, method) }
        } else if method == "GET" {
            try set(CURLOPT_HTTPGET, 1)
        } else if method == "HEAD" {
            try set(CURLOPT_NOBODY, 1)
        } else {
            try set(CURLOPT_CUSTOMREQUEST, method)
        }
    }

    private func configureHeaders(_ request: HTTPRequest) throws(HTTPFailure) {
        var named = Set<String>()
        for (name, value) in request.headers {
            named.insert(ResponseHeaders.lowercased(name))
            // "name:" would tell curl to drop the header; "name;" sends it empty.
            try appendHeader(value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        // curl's own defaults that would change what a vendor sees: a form
        // content type for every POST body, and a 100-continue round trip
        // on HTTP/1.1 for larger bodies. "name:" with no value removes them.
        if !named.contains("content-type") { try appendHeader("Content-Type:") }
        if !named.contains("expect") { try appendHeader("Expect:") }
        try set(CURLOPT_HTTPHEADER, pointer: UnsafeRawPointer(headerList))
    }

    private func appendHeader(_ line: String) throws(HTTPFailure) {
        // On failure curl_slist_append leaves the list as it was, still ours to free.
        guard let extended = curl_slist_append(headerList, line) else {
            throw HTTPFailure(kind: .other, message: "curl_slist_append failed (out of memory)")
        }
        headerList = extended
    }

    private func configureCallbacks() throws(HTTPFailure) {
        let me = UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque())
        try check(nudge_curl_easy_setopt_write(easy, CURLOPT_HEADERFUNCTION) { data, size, count, user in
            let n = size * count
            guard let data, let user else { return n }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(user).takeUnretainedValue()
            return transfer.receiveHeader(UnsafeRawBufferPointer(start: data, count: n)) ? n : 0
        }, CURLOPT_HEADERFUNCTION)
        try set(CURLOPT_HEADERDATA, pointer: me)
        try check(nudge_curl_easy_setopt_write(easy, CURLOPT_WRITEFUNCTION) { data, size, count, user in
            let n = size * count
            guard let data, let user else { return n }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(user).takeUnretainedValue()
            return transfer.receiveBody(UnsafeRawBufferPointer(start: data, count: n)) ? n : 0
        }, CURLOPT_WRITEFUNCTION)
        try set(CURLOPT_WRITEDATA, pointer: me)
        try check(nudge_curl_easy_setopt_prereq(easy) { user, remoteIP, localIP, remotePort, localPort in
            guard let user, let remoteIP, let localIP else { return Int32(CURL_PREREQFUNC_OK) }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(user).takeUnretainedValue()
            let remote = String(cString: remoteIP)
            let key = CurlConnectionKey(localIP: String(cString: localIP), localPort: Int(localPort),
                                        remoteIP: remote, remotePort: Int(remotePort))
            return Int32(transfer.aboutToSend(on: key, remoteIP: remote) ? CURL_PREREQFUNC_OK : CURL_PREREQFUNC_ABORT)
        }, CURLOPT_PREREQFUNCTION)
        try set(CURLOPT_PREREQDATA, pointer: me)
        // libcurl before 8.x opens sockets without close-on-exec; a host
        // that forks and execs (ejabberd's external auth, Prosody's popen)
        // would hand its vendor connections to the child. This is also
        // where every address a name resolved to passes before a packet is
        // sent to it, so the private-address rule is applied here: a
        // refused address makes curl try the host's next one, and fail
        // with "could not connect" when none is left.
        try check(nudge_curl_easy_setopt_opensocket(easy) { user, _, address in
            guard let user, let address else { return CURL_SOCKET_BAD }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(user).takeUnretainedValue()
            guard transfer.addressGuard.admit(socket: address) else { return CURL_SOCKET_BAD }
            return Glibc.socket(address.pointee.family, address.pointee.socktype | Int32(SOCK_CLOEXEC.rawValue),
                                address.pointee.protocol)
        }, CURLOPT_OPENSOCKETFUNCTION)
        try set(CURLOPT_OPENSOCKETDATA, pointer: me)
        // A connection keeps the close callback and its pointer of the
        // transfer that opened it, and may close long after that transfer is
        // gone: the pointer is the warm-up state, which outlives the multi handle.
        try check(nudge_curl_easy_setopt_closesocket(easy) { user, fd in
            if let user, let key = CurlConnectionKey(socket: fd) {
                Unmanaged<ConnectionWarmup>.fromOpaque(user).takeUnretainedValue().closed(key)
            }
            return Glibc.close(fd)
        }, CURLOPT_CLOSESOCKETFUNCTION)
        try set(CURLOPT_CLOSESOCKETDATA, pointer: UnsafeRawPointer(Unmanaged.passUnretained(warmup).toOpaque()))
    }

    // MARK: setopt with error checking

    private func set(_ option: CURLoption, _ value: Int) throws(HTTPFailure) {
        try check(nudge_curl_easy_setopt_long(easy, option, value), option)
    }

    /// curl copies string options (all but CURLOPT_POSTFIELDS), so a
    /// temporary C string is enough.
    private func set(_ option: CURLoption, _ value: String) throws(HTTPFailure) {
        try check(value.withCString { nudge_curl_easy_setopt_ptr(easy, option, $0) }, option)
    }

    private func set(_ option: CURLoption, pointer: UnsafeRawPointer?) throws(HTTPFailure) {
        try check(nudge_curl_easy_setopt_ptr(easy, option, pointer), option)
    }

    private func check(_ code: CURLcode, _ option: CURLoption) throws(HTTPFailure) {
        guard code == CURLE_OK else {
            throw HTTPFailure(kind: .other,
                              message: "curl option \(option.rawValue) refused: \(String(cString: curl_easy_strerror(code)))")
        }
    }
}
