import CCurl

/// `curl_global_init` is not thread-safe and must run once per process before
/// any other curl call. A global `let` is initialised exactly once, on first
/// use, under the Swift runtime's own once-lock: that is the whole mechanism.
private let curlGlobalInitResult: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

enum CurlGlobal {
    /// Initialises libcurl on first call; later calls return the first result.
    static func ensureInitialised() throws(HTTPFailure) {
        let code = curlGlobalInitResult
        guard code == CURLE_OK else {
            throw HTTPFailure(kind: .other, message: "curl_global_init failed: \(String(cString: curl_easy_strerror(code)))")
        }
    }
}
