import NudgeCrypto
import NudgeCore
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

    /// Reads the token endpoint's answer: the grant, or the outcome for the
    /// jobs that waited for it.
    static func grant(from answer: Result<HTTPResponse, HTTPFailure>, now: Millis) -> Result<OAuthGrant, DeliveryOutcome> {
        OAuthGrant.read(answer, endpointName: endpointName, now: now)
    }
}
