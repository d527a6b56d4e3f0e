import COpenSSL

/// Checks ES256 signatures against a raw P-256 public key: in tests, and to
/// confirm at start-up that a configured VAPID key pair belongs together.
public enum P256PublicKey {
    /// Whether `signature` (64-byte JWS r‖s) is a valid ES256 signature of
    /// `data` under `publicKey` (65-byte uncompressed point). A signature of
    /// the wrong length or that does not verify gives false; a public key
    /// that is not a point on P-256 throws.
    public static func verifyES256(publicKey: [UInt8], data: [UInt8], signature: [UInt8]) throws(CryptoError) -> Bool {
        let key = try P256Curve.publicKey(publicKey)
        defer { EVP_PKEY_free(key) }
        guard let der = try ECDSARawSignature.toDER(signature) else { return false }
        return try EVPSigning.verifySHA256(key: key, data: data, signature: der, what: "ES256")
    }
}
