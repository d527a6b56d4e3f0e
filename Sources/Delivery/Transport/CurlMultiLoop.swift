import CCurl

/// The transport thread's work: one curl multi handle driving every
/// transfer, so requests to one host share a few long-lived HTTP/2
/// connections.
///
/// Everything here but `inbox` is touched by the transport thread only.
final class CurlMultiLoop: @unchecked Sendable {
    let inbox: TransportInbox
    private let multi: UnsafeMutableRawPointer
    private let options: HTTPTransport.Options
    /// Outlives the multi handle: connections closing during
    /// `curl_multi_cleanup` still report to it.
    private let warmup = ConnectionWarmup()
    private var transfers: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    /// Answer deadlines of requests sent, and send deadlines of the others
    /// (AttemptDeadlines).
    private var attempts = AttemptDeadlines()
    private var unsent = AttemptDeadlines()
    /// Numbers for transfers and for sends, never reused.
    private var serials: UInt64 = 0
    private var nextUpkeep: Int
    /// The last finished transfer, left in the multi handle on purpose:
    /// `curl_easy_upkeep` reaches the multi handle's connections only
    /// through an easy handle that is in it, and when the transport is idle
    /// no other is.
    private var upkeepAnchor: CurlTransfer?

    init(options: HTTPTransport.Options) throws(HTTPFailure) {
        try CurlGlobal.ensureInitialised()
        guard let multi = curl_multi_init() else {
            throw HTTPFailure(kind: .other, message: "curl_multi_init failed (out of memory)")
        }
        let settings: [(CURLMoption, Int)] = [
            (CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX)),
            (CURLMOPT_MAX_HOST_CONNECTIONS, max(1, options.maxConnectionsPerHost)),
            (CURLMOPT_MAX_TOTAL_CONNECTIONS, max(1, options.maxTotalConnections)),
            (CURLMOPT_MAX_CONCURRENT_STREAMS, max(1, options.maxStreamsPerConnection)),
        ]
        for (option, value) in settings {
            let rc = nudge_curl_multi_setopt_long(multi, option, value)
            guard rc == CURLM_OK else {
                curl_multi_cleanup(multi)
                throw HTTPFailure(kind: .other, message: "curl multi option \(option.rawValue) refused: "
                                  + String(cString: curl_multi_strerror(rc)))
            }
        }
        self.multi = multi
        self.options = options
        inbox = TransportInbox(multi: multi)
        nextUpkeep = TransportClock.nowMs() + max(1, options.upkeepIntervalMs)
    }

    /// Runs until the transport closes, then frees the multi handle.
    func run() {
        while true {
            let batch = inbox.take()
            var now = TransportClock.nowMs()
            for pending in batch.submissions {
                guard let request = pending.make() else {
                    inbox.completed()
                    continue
                }
                start(TransportSubmission(request: request, completion: pending.completion),
                      sendDeadline: now + max(1, options.maxWaitToSendMs), now: now)
            }
            for held in warmup.takeReleased() { start(held.submission, sendDeadline: held.deadline, now: now) }
            for held in warmup.takeExpired(now: now) {
                complete(held.submission, .failure(HTTPFailure(
                    kind: .timeout, message: "timed out waiting for a new connection's first response")))
            }
            var running: Int32 = 0
            _ = curl_multi_perform(multi, &running)
            finishCompleted()
            now = TransportClock.nowMs()
            timeOutUnanswered(now)
            if let deadline = batch.closeDeadline {
                // `take` saw the close, so nothing more can be submitted.
                if transfers.isEmpty && warmup.isEmpty { break }
                if now >= deadline {
                    cancelAll()
                    break
                }
            }
            upkeepIfDue(now)
            // No busy loop: sleep until a socket is ready, curl's own next
            // timeout, a wakeup from `send`/`close`, or our next deadline.
            var wait = nextUpkeep - now
            if let deadline = batch.closeDeadline { wait = min(wait, deadline - now) }
            if let deadline = warmup.nextDeadline { wait = min(wait, deadline - now) }
            if let deadline = attempts.next { wait = min(wait, deadline - now) }
            if let deadline = unsent.next { wait = min(wait, deadline - now) }
            if warmup.hasReleased { wait = 0 }
            _ = curl_multi_poll(multi, nil, 0, Int32(clamping: max(0, wait)), nil)
        }
        if let anchor = upkeepAnchor { _ = curl_multi_remove_handle(multi, anchor.easy) }
        upkeepAnchor = nil
        curl_multi_cleanup(multi)
    }

    private func start(_ submission: TransportSubmission, sendDeadline: Int, now: Int) {
        let transfer: CurlTransfer
        do {
            serials += 1
            transfer = try CurlTransfer(submission, serial: serials, sendDeadline: sendDeadline, options: options,
                                        warmup: warmup, now: now,
                                        sent: { [unowned self] easy, deadline in
                                            serials += 1
                                            attempts.insert(.init(deadline: deadline, easy: easy, tag: serials))
                                            return serials
                                        })
        } catch {
            complete(submission, .failure(error))
            return
        }
        let rc = curl_multi_add_handle(multi, transfer.easy)
        guard rc == CURLM_OK else {
            complete(submission, .failure(HTTPFailure(
                kind: .other, message: "curl_multi_add_handle failed: " + String(cString: curl_multi_strerror(rc)))))
            return
        }
        transfers[transfer.easy] = transfer
        unsent.insert(.init(deadline: sendDeadline, easy: transfer.easy, tag: transfer.serial))
    }

    private func finishCompleted() {
        var left: Int32 = 0
        while let message = curl_multi_info_read(multi, &left) {
            // The message is gone once its handle leaves the multi: copy first.
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            let code = message.pointee.data.result
            guard let transfer = transfers.removeValue(forKey: easy) else { continue }
            if let connection = transfer.heldBehind {
                // Stopped before sending: not an outcome, it runs again later.
                _ = curl_multi_remove_handle(multi, easy)
                warmup.hold(.init(submission: transfer.submission, deadline: transfer.sendDeadline), behind: connection)
                continue
            }
            if transfer.isProbe, transfer.gotNoResponse, let connection = transfer.connection {
                warmup.probeFailed(on: connection)
            }
            if let previous = upkeepAnchor { _ = curl_multi_remove_handle(multi, previous.easy) }
            upkeepAnchor = transfer
            complete(transfer.submission, transfer.outcome(code))
        }
    }

    /// Requests not sent by their send deadline (waiting in curl for a
    /// connection or a stream), and requests sent and not answered within
    /// their `timeoutMs` of the send.
    private func timeOutUnanswered(_ now: Int) {
        if unsent.count > 4 * transfers.count + 1024 {
            unsent.retain { entry in transfers[entry.easy].map { $0.serial == entry.tag && $0.lastSend == nil } ?? false }
        }
        if attempts.count > 4 * transfers.count + 1024 {
            attempts.retain { transfers[$0.easy]?.lastSend == $0.tag }
        }
        for entry in unsent.popDue(now) {
            // Finished, or sent (its answer has a deadline of its own): not due.
            guard let transfer = transfers[entry.easy], transfer.serial == entry.tag, transfer.lastSend == nil else { continue }
            abandon(transfer, "timed out waiting to be sent: no free connection or stream within \(options.maxWaitToSendMs) ms")
        }
        for entry in attempts.popDue(now) {
            // Finished already, or sent again since: not due.
            guard let transfer = transfers[entry.easy], transfer.lastSend == entry.tag else { continue }
            abandon(transfer, "timed out: no answer within \(transfer.submission.request.timeoutMs) ms of sending the request")
        }
    }

    private func abandon(_ transfer: CurlTransfer, _ message: String) {
        transfers.removeValue(forKey: transfer.easy)
        _ = curl_multi_remove_handle(multi, transfer.easy)
        if transfer.isProbe, transfer.gotNoResponse, let connection = transfer.connection {
            warmup.probeFailed(on: connection)
        }
        complete(transfer.submission, .failure(HTTPFailure(kind: .timeout, message: message)))
    }

    private func cancelAll() {
        let cancelled = CurlTransfer.cancelled("the transport closed before the response arrived")
        for (easy, transfer) in transfers {
            _ = curl_multi_remove_handle(multi, easy)
            complete(transfer.submission, .failure(cancelled))
        }
        transfers.removeAll()
        for held in warmup.takeAll() { complete(held.submission, .failure(cancelled)) }
    }

    /// Asks libcurl to PING connections idle for `upkeepIntervalMs`. Since
    /// libcurl 8.10 this covers every connection of the multi handle; older
    /// versions look only at connections of `curl_easy_perform` and do
    /// nothing here.
    private func upkeepIfDue(_ now: Int) {
        guard now >= nextUpkeep else { return }
        nextUpkeep = now + max(1, options.upkeepIntervalMs)
        if let easy = upkeepAnchor?.easy ?? transfers.keys.first {
            _ = curl_easy_upkeep(easy)
        }
    }

    private func complete(_ submission: TransportSubmission, _ result: Result<HTTPResponse, HTTPFailure>) {
        inbox.completed()
        submission.completion(result)
    }
}
