import COpenSSL

/// A P-256 public key checked once: a point on the curve, imported into
/// OpenSSL when made. Web Push uses one per subscriber for ECDH, and ES256
/// signatures are verified against one (tests, and the VAPID key pair's
/// check at start-up). Immutable; safe to share between threads, as
/// OpenSSL allows for a key that is only read.
public final class P256PublicKey: @unchecked Sendable {
    /// 65 bytes, 0x04‖X‖Y.
    public let bytes: [UInt8]
    let key: OpaquePointer

    /// Throws for anything that is not an uncompressed point on P-256.
    public init(_ point: [UInt8]) throws(CryptoError) {
        key = try P256Curve.publicKey(point)
        bytes = point
    }

    deinit { EVP_PKEY_free(key) }

    /// Whether `signature` (64-byte JWS r‖s) is a valid ES256 signature of
    /// `data`. A signature of the wrong length or that does not verify gives false.
    public func verifyES256(data: [UInt8], signature: [UInt8]) throws(CryptoError) -> Bool {
        guard let der = try ECDSARawSignature.toDER(signature) else { return false }
        return try EVPSigning.verifySHA256(key: key, data: data, signature: der, what: "ES256")
    }

    /// `verifyES256` against a raw 65-byte point; a point off P-256 throws.
    public static func verifyES256(publicKey: [UInt8], data: [UInt8], signature: [UInt8]) throws(CryptoError) -> Bool {
        try P256PublicKey(publicKey).verifyES256(data: data, signature: signature)
    }
}
