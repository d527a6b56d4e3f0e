import NudgeCore

/// Maps WNS's answers (VENDORS.md, Microsoft's response code table) to outcomes.
enum WNSClassifier {
    /// What an answer means, and whether it says the access token is no
    /// longer accepted (the backend then drops it).
    struct Verdict: Equatable {
        var outcome: DeliveryOutcome
        var accessTokenRejected = false
    }

    /// 406 without Retry-After: WNS throttles a channel for a while.
    static let throttleBackoffMs: Millis = 60_000

    static func classify(_ response: HTTPResponse, now: Millis) -> Verdict {
        let status = response.status
        let reason = describe(response)
        let retryAfter = RetryAfter.milliseconds(response.header("retry-after"), now: now)
        switch status {
        case 200:
            // `X-WNS-Status: dropped` too: the device is offline and WNS
            // discarded the push by its policy, which no retry changes.
            return Verdict(outcome: .delivered)
        case 401:
            // The access token expired early or was revoked: fetch a new one.
            return Verdict(outcome: .retry(afterMs: 0, reason: reason), accessTokenRejected: true)
        case 404, 410:
            return Verdict(outcome: .tokenGone(vendorTimestamp: nil, reason: reason))
        case 406:
            return Verdict(outcome: .retry(afterMs: retryAfter ?? throttleBackoffMs, reason: reason))
        case 429:
            // Not in WNS's table, but what a proxy in front says when throttling.
            return Verdict(outcome: .retry(afterMs: retryAfter, reason: reason))
        case 413:
            return Verdict(outcome: .rejected(reason: reason))
        case 400, 403:
            // Malformed headers, or a channel of another app: our
            // configuration, and every push would fail alike.
            return Verdict(outcome: .configError(reason: reason))
        case 400..<500:
            return Verdict(outcome: .rejected(reason: reason))
        default:
            // 5xx, and anything WNS never sends: an outage or a proxy.
            return Verdict(outcome: .retry(afterMs: retryAfter, reason: reason))
        }
    }

    /// "WNS 406 channelthrottled: <X-WNS-Error-Description>": the status,
    /// WNS's `X-WNS-Status` and its description, or the body's start when
    /// WNS gave no description (a proxy's answer).
    static func describe(_ response: HTTPResponse) -> String {
        let status = response.header("x-wns-status").flatMap { $0.isEmpty ? nil : $0 }
        let description = response.header("x-wns-error-description").flatMap { $0.isEmpty ? nil : $0 }
        guard status != nil || description != nil else {
            return VendorAnswer.unexpected("WNS", status: response.status, body: response.body)
        }
        var text = "WNS \(response.status)"
        if let status { text += " " + VendorAnswer.excerpt(Array(status.utf8), limit: 40) }
        if let description { text += ": " + VendorAnswer.excerpt(Array(description.utf8), limit: 160) }
        return text
    }
}
