import NudgeXMPP
import NudgeStore
import NudgeCrypto

/// The JWT of Push 2.0's `sce+rfc8291+rfc8292` send profile: RFC 8292's
/// VAPID token, signed with the key the client gave (its `<jwt-key/>`), so
/// that a push service can hand the encrypted payload to a Web Push
/// service in the client's name. The push service reads the signer's
/// public key from `<jwt key='…'/>`.
enum Push2JWT {
    /// How far ahead `exp` lies: RFC 8292 allows at most 24 hours, and a
    /// notification may wait in a push service's queue for a while.
    static let lifetimeMs: Int64 = 12 * 3_600_000
    private static let headerJSON = JSON.object(["typ": "JWT", "alg": "ES256"]).serialized()

    /// The client's key: PKCS#8 DER, which the SDKs export from WebCrypto
    /// and push2.markdown calls "PEM without the header or footer lines".
    static func key(_ der: [UInt8]) throws(CryptoError) -> P256PrivateKey {
        var pem = "-----BEGIN PRIVATE KEY-----\n"
        let body = Array(Base64.encode(der))
        var i = 0
        while i < body.count {
            pem += String(body[i..<min(i + 64, body.count)]) + "\n"
            i += 64
        }
        pem += "-----END PRIVATE KEY-----\n"
        return try P256PrivateKey(pem: pem)
    }

    /// The token and the signer's public key (standard base64, as the
    /// `key` attribute carries it): the client's claims, then `exp`, and
    /// `sub` (`defaultSubject`) unless the client gave one.
    static func token(_ e: Push2Registration.Encrypted, domain: String, now: Int64) throws(CryptoError) -> (jwt: String, key: String)? {
        guard let der = e.jwtKey else { return nil }
        let signer = try key(der)
        let jwt = try JWT.sign(headerJSON: headerJSON, claimsJSON: claims(e, domain: domain, now: now), signer: signer.signES256)
        return (jwt, Base64.encode(signer.publicKey))
    }

    /// Text of the lengths `token` would return, without signing: an
    /// ES256 signature is 64 bytes and a P-256 public key 65 whatever they
    /// sign or are, so a held stanza is cut to fit without a signature
    /// that would be thrown away.
    static func placeholder(_ e: Push2Registration.Encrypted, domain: String, now: Int64) -> (jwt: String, key: String)? {
        guard e.jwtKey != nil else { return nil }
        let signingInput = Base64URL.encode(Array(headerJSON.utf8)) + "." + Base64URL.encode(Array(claims(e, domain: domain, now: now).utf8))
        let signature = String(repeating: "s", count: base64URLLength(64))
        return (signingInput + "." + signature, String(repeating: "k", count: base64Length(65)))
    }

    /// RFC 8292 wants `sub` to be a contact for the sender, a mailto: or
    /// https: URI, and push services enforce it (Mozilla's autopush
    /// refuses a token without one, Apple's one that is no such URI): the
    /// user's server's web address stands in when the client names none.
    static func defaultSubject(domain: String) -> String { "https://" + domain }

    private static func claims(_ e: Push2Registration.Encrypted, domain: String, now: Int64) -> String {
        var claims = JSONObject()
        for claim in e.jwtClaims { claims[claim.name] = .string(claim.values.first ?? "") }
        claims["exp"] = .number(Double((now + lifetimeMs) / 1000))
        if claims["sub"] == nil { claims["sub"] = .string(defaultSubject(domain: domain)) }
        return JSON.object(claims).serialized()
    }

    private static func base64URLLength(_ bytes: Int) -> Int { (bytes * 4 + 2) / 3 }
    private static func base64Length(_ bytes: Int) -> Int { (bytes + 2) / 3 * 4 }
}
