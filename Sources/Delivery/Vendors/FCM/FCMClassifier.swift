import NudgeCore
import NudgeXMPP

/// Maps FCM's answers (VENDORS.md's errorCode table) to outcomes.
enum FCMClassifier {
    /// What an answer means, and whether it says the access token is no
    /// longer accepted (the backend then drops it).
    struct Verdict: Equatable {
        var outcome: DeliveryOutcome
        var accessTokenRejected = false
    }

    static let fcmErrorType = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
    /// QUOTA_EXCEEDED: Google asks for at least a minute.
    static let minimumQuotaBackoffMs: Millis = 60_000

    static func classify(_ response: HTTPResponse, now: Millis) -> Verdict {
        let status = response.status
        if status == 200 {
            // Accepted, whatever the body says: `{"name":…}` normally.
            return Verdict(outcome: .delivered)
        }
        let retryAfter = RetryAfter.milliseconds(response.header("retry-after"), now: now)
        guard let error = VendorAnswer.json(response.body)?["error"], error.objectValue != nil,
              let code = errorCode(error) ?? error["status"]?.stringValue
        else {
            return Verdict(outcome: byStatus(status, retryAfter: retryAfter,
                                             reason: VendorAnswer.unexpected("FCM", status: status, body: response.body)))
        }
        let text = describe(status: status, code: code, message: error["message"]?.stringValue)
        switch code {
        case "UNREGISTERED", "SENDER_ID_MISMATCH":
            return Verdict(outcome: .tokenGone(vendorTimestamp: nil, reason: text))
        case "INVALID_ARGUMENT":
            return Verdict(outcome: .rejected(reason: text))
        case "THIRD_PARTY_AUTH_ERROR", "PERMISSION_DENIED":
            // The APNs credentials uploaded to Firebase, or the service
            // account's rights on the project: every push would fail alike.
            return Verdict(outcome: .configError(reason: text))
        case "UNAUTHENTICATED":
            // The access token expired early or was revoked: fetch a new one.
            return Verdict(outcome: .retry(afterMs: 0, reason: text), accessTokenRejected: true)
        case "QUOTA_EXCEEDED", "RESOURCE_EXHAUSTED":
            return Verdict(outcome: .retry(afterMs: max(retryAfter ?? 0, minimumQuotaBackoffMs), reason: text))
        case "UNAVAILABLE", "INTERNAL":
            return Verdict(outcome: .retry(afterMs: retryAfter, reason: text))
        default:
            return Verdict(outcome: byStatus(status, retryAfter: retryAfter, reason: text))
        }
    }

    /// The `errorCode` of the FcmError detail, which is more precise than
    /// the general `status` (UNREGISTERED rather than NOT_FOUND).
    static func errorCode(_ error: JSON) -> String? {
        for detail in error["details"]?.arrayValue ?? [] where detail["@type"]?.stringValue == fcmErrorType {
            if let code = detail["errorCode"]?.stringValue { return code }
        }
        return nil
    }

    /// For answers the table does not cover: a 4xx will not succeed on a
    /// retry; anything else (5xx, a proxy's 3xx) may.
    static func byStatus(_ status: Int, retryAfter: Millis?, reason: String) -> DeliveryOutcome {
        (400..<500).contains(status) ? .rejected(reason: reason) : .retry(afterMs: retryAfter, reason: reason)
    }

    /// "FCM 404 UNREGISTERED: Requested entity was not found."
    static func describe(status: Int, code: String, message: String?) -> String {
        let base = "FCM \(status) \(VendorAnswer.excerpt(Array(code.utf8)))"
        guard let message, !message.isEmpty else { return base }
        return base + ": " + VendorAnswer.excerpt(Array(message.utf8), limit: 160)
    }
}
