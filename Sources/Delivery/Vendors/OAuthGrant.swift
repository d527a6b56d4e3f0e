import NudgeCore
import NudgeXMPP

/// An OAuth 2.0 token endpoint's answer (RFC 6749 §5): Google's for FCM,
/// Microsoft's for WNS.
struct OAuthGrant: Equatable {
    var accessToken: String
    var expiresInSeconds: Millis

    /// Reads the answer of the endpoint called `endpointName` in reasons:
    /// the grant, or the outcome for the jobs that waited for it.
    static func read(_ answer: Result<HTTPResponse, HTTPFailure>, endpointName: String,
                     now: Millis) -> Result<OAuthGrant, DeliveryOutcome> {
        let response: HTTPResponse
        switch answer {
        case .failure(let failure): return .failure(.retry(afterMs: nil, reason: failure.message))
        case .success(let r): response = r
        }
        let body = VendorAnswer.json(response.body)
        let retryAfter = RetryAfter.milliseconds(response.header("retry-after"), now: now)
        if response.status == 200 {
            if let token = body?["access_token"]?.stringValue, !token.isEmpty,
               let seconds = body?["expires_in"]?.doubleValue, seconds.isFinite, seconds >= 1, seconds < 1e9 {
                return .success(OAuthGrant(accessToken: token, expiresInSeconds: Millis(seconds)))
            }
            return .failure(.retry(afterMs: nil, reason: "\(endpointName) 200 without a usable access_token: \(VendorAnswer.excerpt(response.body))"))
        }
        let text = describe(endpointName, status: response.status, body: body, raw: response.body)
        switch response.status {
        case 429, 500..<600:
            return .failure(.retry(afterMs: retryAfter, reason: text))
        case 400..<500:
            // invalid_grant, invalid_client, unauthorized_client…: the key,
            // secret, account or clock is wrong, and retrying will not change that.
            return .failure(.configError(reason: text))
        default:
            return .failure(.retry(afterMs: retryAfter, reason: text))
        }
    }

    /// "Google token endpoint 400 invalid_grant: Invalid JWT Signature." from
    /// RFC 6749's `error` and `error_description`, else status and body.
    static func describe(_ endpointName: String, status: Int, body: JSON?, raw: [UInt8]) -> String {
        guard let error = body?["error"]?.stringValue else {
            return VendorAnswer.unexpected(endpointName, status: status, body: raw)
        }
        let description = body?["error_description"]?.stringValue.map { ": " + VendorAnswer.excerpt(Array($0.utf8), limit: 160) } ?? ""
        return "\(endpointName) \(status) \(VendorAnswer.excerpt(Array(error.utf8)))\(description)"
    }
}
