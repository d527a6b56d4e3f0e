import NudgeCrypto
import NudgeEngine
import NudgeXMPP

/// Google's OAuth 2.0 service-account flow (RFC 7523): a JWT signed with the
/// account's key is exchanged for an access token.
enum FCMOAuth {
    static let scope = "https://www.googleapis.com/auth/firebase.messaging"
    /// `urn:ietf:params:oauth:grant-type:jwt-bearer`, form-encoded.
    static let grantType = "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"
    /// The assertion's lifetime; Google accepts at most an hour.
    static let assertionLifetimeSeconds: Millis = 3600
    /// Describes the token endpoint in reasons.
    static let endpointName = "Google token endpoint"

    /// The signed assertion: header `{"typ","alg","kid"}`, claims
    /// `{"iss","aud","scope","iat","exp"}`.
    static func assertion(_ account: FCMServiceAccount, now: Millis) throws(CryptoError) -> String {
        let header: JSON = ["typ": "JWT", "alg": "RS256", "kid": .string(account.privateKeyID)]
        let issuedAt = now / 1000
        let claims: JSON = [
            "iss": .string(account.clientEmail),
            "aud": .string(account.tokenURI),
            "scope": .string(scope),
            "iat": .number(Double(issuedAt)),
            "exp": .number(Double(issuedAt + assertionLifetimeSeconds)),
        ]
        return try JWT.sign(headerJSON: header.serialized(), claimsJSON: claims.serialized(), signer: account.key.signRS256)
    }

    /// The token request. The assertion is base64url parts joined by dots,
    /// all characters form encoding leaves as they are.
    static func tokenRequest(_ account: FCMServiceAccount, now: Millis) throws(CryptoError) -> HTTPRequest {
        let body = "grant_type=\(grantType)&assertion=\(try assertion(account, now: now))"
        return HTTPRequest(url: account.tokenURI,
                           headers: [("content-type", "application/x-www-form-urlencoded")],
                           body: Array(body.utf8))
    }

    /// A granted token and its lifetime in seconds.
    struct Grant: Equatable {
        var accessToken: String
        var expiresInSeconds: Millis
    }

    /// Reads the token endpoint's answer: the grant, or the outcome for the
    /// jobs that waited for it.
    static func grant(from answer: Result<HTTPResponse, HTTPFailure>, now: Millis) -> Result<Grant, DeliveryOutcome> {
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
                return .success(Grant(accessToken: token, expiresInSeconds: Millis(seconds)))
            }
            return .failure(.retry(afterMs: nil, reason: "\(endpointName) 200 without a usable access_token: \(VendorAnswer.excerpt(response.body))"))
        }
        let text = describe(status: response.status, body: body, raw: response.body)
        switch response.status {
        case 429, 500..<600:
            return .failure(.retry(afterMs: retryAfter, reason: text))
        case 400..<500:
            // invalid_grant, invalid_client, unauthorized_client…: the key,
            // account or clock is wrong, and retrying will not change that.
            return .failure(.configError(reason: text))
        default:
            return .failure(.retry(afterMs: retryAfter, reason: text))
        }
    }

    /// "Google token endpoint 400 invalid_grant: Invalid JWT Signature." from
    /// RFC 6749's `error` and `error_description`, else status and body.
    static func describe(status: Int, body: JSON?, raw: [UInt8]) -> String {
        guard let error = body?["error"]?.stringValue else {
            return VendorAnswer.unexpected(endpointName, status: status, body: raw)
        }
        let description = body?["error_description"]?.stringValue.map { ": " + VendorAnswer.excerpt(Array($0.utf8), limit: 160) } ?? ""
        return "\(endpointName) \(status) \(VendorAnswer.excerpt(Array(error.utf8)))\(description)"
    }
}
