import NudgeCore
import NudgeXMPP

/// Maps every status and reason of Apple's table (VENDORS.md) to an outcome.
enum APNsClassifier {
    /// What an answer means, and whether it says the provider token expired
    /// (the backend then drops its cached JWT).
    struct Verdict: Equatable {
        var outcome: DeliveryOutcome
        var providerTokenExpired = false
    }

    static let tokenGoneReasons: Set<String> = ["BadDeviceToken", "DeviceTokenNotForTopic"]
    static let config400Reasons: Set<String> = ["BadTopic", "TopicDisallowed", "MissingTopic", "InvalidPushType"]
    static let config403Reasons: Set<String> = ["InvalidProviderToken", "MissingProviderToken", "UnrelatedKeyIdInToken",
                                                "BadCertificate", "BadCertificateEnvironment", "Forbidden"]
    static let goneReasons: Set<String> = ["ExpiredToken", "Unregistered"]
    /// After `TooManyProviderTokenUpdates`: the token changes at most once a
    /// minute, so a minute later the connection accepts the current one.
    static let tokenUpdateBackoffMs: Millis = 60_000

    static func classify(_ response: HTTPResponse, now: Millis) -> Verdict {
        let status = response.status
        // Nearly every answer: nothing to read or describe.
        if status == 200 { return Verdict(outcome: .delivered) }
        let body = VendorAnswer.json(response.body)
        let reason = body?["reason"]?.stringValue
        let text = describe(status: status, reason: reason, body: response.body)
        let retryAfter = RetryAfter.milliseconds(response.header("retry-after"), now: now)

        switch (status, reason) {
        case (410, let r?) where goneReasons.contains(r):
            return Verdict(outcome: .tokenGone(vendorTimestamp: body.flatMap(timestamp), reason: text))
        case (400, let r?) where tokenGoneReasons.contains(r):
            return Verdict(outcome: .tokenGone(vendorTimestamp: nil, reason: text))
        case (400, let r?) where config400Reasons.contains(r):
            return Verdict(outcome: .configError(reason: text))
        case (400, "IdleTimeout"?):
            // Apple closed an idle connection as the request arrived.
            return Verdict(outcome: .retry(afterMs: nil, reason: text))
        case (400, _):
            return Verdict(outcome: .rejected(reason: text))
        case (403, "ExpiredProviderToken"?):
            // Jittered so that the requests that all failed with the old
            // token do not come back at the same instant.
            return Verdict(outcome: .retry(afterMs: Millis.random(in: 0...1000), reason: text), providerTokenExpired: true)
        case (403, let r?) where config403Reasons.contains(r):
            return Verdict(outcome: .configError(reason: text))
        case (404, "BadPath"?), (405, _):
            return Verdict(outcome: .configError(reason: text))
        case (413, _):
            return Verdict(outcome: .rejected(reason: text))
        case (429, "TooManyProviderTokenUpdates"?):
            return Verdict(outcome: .retry(afterMs: tokenUpdateBackoffMs, reason: text))
        case (429, _), (500, _), (503, _):
            // Throttled or Apple's trouble: whatever the reason says, the
            // push itself is fine and worth sending again.
            return Verdict(outcome: .retry(afterMs: retryAfter, reason: text))
        case (400..<500, _):
            return Verdict(outcome: .rejected(reason: text))
        default:
            // 5xx, and anything Apple never sends (another 2xx, a 3xx): a
            // proxy's doing or an outage, so the push may still go through.
            return Verdict(outcome: .retry(afterMs: retryAfter, reason: text))
        }
    }

    /// "APNs 410 Unregistered"; for an answer without Apple's `reason`, the
    /// status with the start of the body.
    static func describe(status: Int, reason: String?, body: [UInt8]) -> String {
        guard let reason else { return VendorAnswer.unexpected("APNs", status: status, body: body) }
        return "APNs \(status) \(VendorAnswer.excerpt(Array(reason.utf8)))"
    }

    /// The 410 answer's `timestamp`: when Apple learned the token was gone,
    /// in milliseconds.
    static func timestamp(_ body: JSON) -> Millis? {
        switch body["timestamp"] {
        case .number(let value)?:
            guard value.isFinite, value >= 0, value < 1e15 else { return nil }
            return Millis(value)
        case .string(let text)?:
            return Millis(text)
        default:
            return nil
        }
    }
}
