import CCurl

/// One request on its way through the curl multi handle: the easy handle
/// and everything curl points into while the transfer runs.
///
/// Lives on the transport thread only. curl keeps raw pointers to the error
/// buffer, the request body (CURLOPT_POSTFIELDS does not copy) and the
/// header list, so this object owns them until the easy handle is gone.
final class CurlTransfer {
    let easy: UnsafeMutableRawPointer
    let submission: TransportSubmission
    /// Monotonic milliseconds by which the request must have been sent; a
    /// request held back and started again keeps its first one.
    let sendDeadline: Int
    /// Numbers this transfer among all the loop made (AttemptDeadlines).
    let serial: UInt64
    /// The latest send of the request, numbered by the loop; its answer is
    /// due `timeoutMs` after it (AttemptDeadlines).
    private(set) var lastSend: UInt64?
    let warmup: ConnectionWarmup
    /// Tells the loop of a send and its answer deadline; returns the send's number.
    private let sent: (UnsafeMutableRawPointer, Int) -> UInt64
    let errorBuffer: UnsafeMutablePointer<CChar>
    let requestBody: UnsafeMutableBufferPointer<UInt8>
    var headerList: UnsafeMutablePointer<curl_slist>?

    /// The connection the request went out on, once curl has chosen it.
    private(set) var connection: CurlConnectionKey?
    /// True when this transfer is the first on a new connection.
    private(set) var isProbe = false
    /// Set when the transfer was stopped before sending, to wait for this
    /// connection's first response; it is then started again, not completed.
    private(set) var heldBehind: CurlConnectionKey?
    private var answered = false
    /// The request's rule about private addresses, and what it refused.
    var addressGuard: AddressGuard

    private var responseHeaders = ResponseHeaders()
    private var responseBody: [UInt8] = []
    private var bodyTruncated = false
    private var headersTooLarge = false

    /// A configured easy handle for the submission, not yet added to a multi handle.
    init(_ submission: TransportSubmission, serial: UInt64, sendDeadline: Int, options: HTTPTransport.Options,
         warmup: ConnectionWarmup, now: Int, sent: @escaping (UnsafeMutableRawPointer, Int) -> UInt64) throws(HTTPFailure) {
        try CurlRequestCheck.validate(submission.request)
        guard let easy = curl_easy_init() else {
            throw HTTPFailure(kind: .other, message: "curl_easy_init failed (out of memory)")
        }
        self.easy = easy
        self.submission = submission
        self.sendDeadline = sendDeadline
        self.serial = serial
        self.warmup = warmup
        self.sent = sent
        addressGuard = AddressGuard(allowPrivateAddresses: submission.request.allowPrivateAddresses)
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        // One byte at least: an empty POST still needs a non-null pointer.
        let body = submission.request.body
        requestBody = .allocate(capacity: max(1, body.count))
        _ = requestBody.initialize(from: body)
        // curl's own timer is the outer bound: the wait to be sent, then
        // one answer's time. The loop enforces the answer's from the send.
        try configure(submission.request, options, timeoutMs: max(1, sendDeadline - now) + max(1, submission.request.timeoutMs))
    }

    deinit {
        curl_easy_cleanup(easy)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
        requestBody.deallocate()
    }

    /// What the caller gets once curl reports the transfer done with `code`.
    func outcome(_ code: CURLcode) -> Result<HTTPResponse, HTTPFailure> {
        // Refused addresses show as "could not connect" (the socket
        // callback) or "aborted by callback" (a reused connection): say why.
        if code != CURLE_OK, let refusal = addressGuard.failure {
            return .failure(refusal)
        }
        if headersTooLarge {
            return .failure(HTTPFailure(kind: .tooLarge,
                                        message: "response headers exceed \(ResponseHeaders.maxBytes) bytes"))
        }
        // The write callback stops a body at the cap by refusing the rest;
        // curl calls that a write error, the caller gets the truncated body.
        guard code == CURLE_OK || (code == CURLE_WRITE_ERROR && bodyTruncated) else {
            return .failure(HTTPFailure(curlCode: code, detail: String(cString: errorBuffer)))
        }
        var status = 0
        _ = nudge_curl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        var version = 0
        _ = nudge_curl_easy_getinfo_long(easy, CURLINFO_HTTP_VERSION, &version)
        return .success(HTTPResponse(status: status, headers: responseHeaders.fields, body: responseBody,
                                     httpVersion: Self.majorVersion(version), bodyTruncated: bodyTruncated))
    }

    /// True when the transfer ended without any response.
    var gotNoResponse: Bool { !answered }

    /// The failure for a request that never finished because the transport closed.
    static func cancelled(_ reason: String) -> HTTPFailure {
        HTTPFailure(kind: .cancelled, message: reason)
    }

    private static func majorVersion(_ curlVersion: Int) -> Int {
        switch curlVersion {
        case Int(CURL_HTTP_VERSION_2_0): return 2
        case Int(CURL_HTTP_VERSION_3): return 3
        default: return 1
        }
    }

    // MARK: callbacks (called by curl on the transport thread, inside curl_multi_perform)

    /// curl has a connection for the request and is about to send it: false
    /// stops the transfer, before anything is sent.
    func aboutToSend(on key: CurlConnectionKey, remoteIP: String) -> Bool {
        // A reused connection was opened by another transfer, possibly one
        // that allowed private addresses: check this request's rule again.
        guard addressGuard.admit(remoteIP: remoteIP) else { return false }
        // curl may call this again for the same transfer when it retries on
        // another connection; only the last call counts.
        connection = key
        let admission = warmup.admit(on: key)
        isProbe = admission == .probe
        guard admission != .hold else {
            heldBehind = key
            return false
        }
        lastSend = sent(easy, TransportClock.nowMs() + max(1, submission.request.timeoutMs))
        return true
    }

    /// Takes one header line; false stops the transfer.
    func receiveHeader(_ line: UnsafeRawBufferPointer) -> Bool {
        if !answered {
            answered = true
            if let connection { warmup.answered(on: connection) }
        }
        if responseHeaders.consume(line) { return true }
        headersTooLarge = true
        return false
    }

    /// Takes a piece of the body; false stops the transfer once the cap is reached.
    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let room = HTTPResponse.maxBodyBytes - responseBody.count
        if bytes.count <= room {
            responseBody.append(contentsOf: bytes)
            return true
        }
        responseBody.append(contentsOf: bytes.prefix(room))
        bodyTruncated = true
        return false
    }
}
