import NudgeCore
import NudgeXMPP

/// Maps push services' answers (RFC 8030 §5-8, and what Mozilla, Google,
/// Apple and UnifiedPush distributors send) to outcomes.
enum WebPushClassifier {
    /// Words in a 400 answer that point at our VAPID token or key rather
    /// than at the message.
    static let vapidWords = ["vapid", "jwt", "crypto-key", "authorization"]

    static func classify(_ response: HTTPResponse, origin: String, now: Millis) -> DeliveryOutcome {
        let status = response.status
        // 201 Created with a Location, normally; any success is one, and
        // nearly every answer is one: nothing to read or describe.
        if (200..<300).contains(status) { return .delivered }
        let reason = describe(status: status, origin: origin, body: response.body)
        let retryAfter = RetryAfter.milliseconds(response.header("retry-after"), now: now)
        switch status {
        case 300..<400:
            // The endpoint came from a client: a redirect could point anywhere.
            return .rejected(reason: reason + " (redirects are not followed)")
        case 404, 410:
            return .tokenGone(vendorTimestamp: nil, reason: reason)
        case 413:
            return .rejected(reason: reason)
        case 429, 500..<600:
            return .retry(afterMs: retryAfter, reason: reason)
        case 401, 403:
            // The push service refuses our VAPID token or key: every push
            // to it would fail alike until the operator fixes the key.
            return .configError(reason: reason)
        case 400:
            let text = String(decoding: response.body.prefix(1024), as: UTF8.self).lowercased()
            if vapidWords.contains(where: { text.contains($0) }) { return .configError(reason: reason) }
            // Apple's web push service, in its APNs dialect.
            if VendorAnswer.json(response.body)?["reason"]?.stringValue == "BadDeviceToken" {
                return .tokenGone(vendorTimestamp: nil, reason: reason)
            }
            return .rejected(reason: reason)
        case 400..<500:
            return .rejected(reason: reason)
        default:
            return .retry(afterMs: retryAfter, reason: reason)
        }
    }

    /// A transport failure: retried, unless the endpoint's host resolved
    /// only to private addresses while those are not allowed, which no
    /// retry changes.
    static func classify(_ failure: HTTPFailure) -> DeliveryOutcome {
        if failure.kind == .connect, failure.refusedAddress != nil {
            return .tokenGone(vendorTimestamp: nil, reason: "endpoint not allowed: \(failure.message)")
        }
        return .retry(afterMs: nil, reason: failure.message)
    }

    /// "Web Push https://updates.push.services.mozilla.com 410 Request did
    /// not validate…": the service's origin (not the endpoint, which is
    /// the subscription's secret address), the status, and the service's
    /// own words (`reason` from Apple, `message` from Mozilla) or the
    /// body's start.
    static func describe(status: Int, origin: String, body: [UInt8]) -> String {
        let vendor = "Web Push \(origin)"
        let json = VendorAnswer.json(body)
        guard let words = json?["reason"]?.stringValue ?? json?["message"]?.stringValue, !words.isEmpty else {
            return VendorAnswer.unexpected(vendor, status: status, body: body)
        }
        return "\(vendor) \(status) \(VendorAnswer.excerpt(Array(words.utf8), limit: 160))"
    }
}
