import NudgeCore

/// Maps the UBports push server's answers (VENDORS.md) to outcomes.
enum UBportsClassifier {
    /// `too-many-pending`: the device has not fetched its queue for a while;
    /// trying again at once would only meet the same full queue.
    static let pendingBackoffMs: Millis = 60_000
    static let goneLabels: Set<String> = ["unknown-token", "unknown-channel"]

    static func classify(_ response: HTTPResponse, now: Millis) -> DeliveryOutcome {
        let status = response.status
        if status == 200 {
            // Accepted, whatever the body says (`{"ok":true}` normally).
            return .delivered
        }
        let json = VendorAnswer.json(response.body)
        let label = json?["error"]?.stringValue
        let reason = describe(status: status, label: label, message: json?["message"]?.stringValue, body: response.body)
        let retryAfter = RetryAfter.milliseconds(response.header("retry-after"), now: now)
        switch (status, label) {
        case (400, let l?) where goneLabels.contains(l):
            return .tokenGone(vendorTimestamp: nil, reason: reason)
        case (401, _):
            return .configError(reason: reason)
        case (413, "too-many-pending"?):
            return .retry(afterMs: max(retryAfter ?? 0, pendingBackoffMs), reason: reason)
        case (429, _), (500..<600, _):
            return .retry(afterMs: retryAfter, reason: reason)
        case (400..<500, _):
            return .rejected(reason: reason)
        default:
            // Another 2xx, a 3xx: a proxy's doing; the push may still go through.
            return .retry(afterMs: retryAfter, reason: reason)
        }
    }

    /// "UBports 400 unknown-token: Unknown token", else status and body.
    static func describe(status: Int, label: String?, message: String?, body: [UInt8]) -> String {
        guard let label else { return VendorAnswer.unexpected("UBports", status: status, body: body) }
        let text = "UBports \(status) \(VendorAnswer.excerpt(Array(label.utf8)))"
        guard let message, !message.isEmpty else { return text }
        return text + ": " + VendorAnswer.excerpt(Array(message.utf8), limit: 160)
    }
}
