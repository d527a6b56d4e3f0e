/// JWS compact serialization. Header and claims are passed as already-serialized JSON text (this module has no JSON); the caller builds them.
public enum JWT {
    /// Returns `b64url(header) "." b64url(claims) "." b64url(signature)`,
    /// where `signer` signs the ASCII bytes of the first two parts joined by
    /// "." (RFC 7515 section 5.1). Pass `P256PrivateKey.signES256` for APNs
    /// and VAPID, `RSAPrivateKey.signRS256` for Google OAuth.
    public static func sign(
        headerJSON: String, claimsJSON: String,
        signer: (_ signingInput: [UInt8]) throws(CryptoError) -> [UInt8]
    ) throws(CryptoError) -> String {
        let signingInput = Base64URL.encode(Array(headerJSON.utf8)) + "." + Base64URL.encode(Array(claimsJSON.utf8))
        let signature = try signer(Array(signingInput.utf8))
        return signingInput + "." + Base64URL.encode(signature)
    }
}
