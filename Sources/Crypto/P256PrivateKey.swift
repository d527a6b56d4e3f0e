import COpenSSL

/// A P-256 private key: APNs token auth (.p8 files are PKCS#8 PEM), VAPID (RFC 8292), and RFC 8291's sender keys.
///
/// `@unchecked Sendable`: the EVP_PKEY is never modified after `init`
/// returns, and OpenSSL 3 allows concurrent signing and key agreement with
/// one key as long as each call has its own EVP_MD_CTX / EVP_PKEY_CTX,
/// which every method here creates and frees.
public final class P256PrivateKey: @unchecked Sendable {
    private let key: OpaquePointer

    /// The public key as a 65-byte uncompressed point 0x04‖X‖Y, the form
    /// VAPID's `k=` and RFC 8291's keyid carry.
    public let publicKey: [UInt8]

    /// Loads a P-256 key from PEM: PKCS#8 (`BEGIN PRIVATE KEY`, what Apple's
    /// .p8 files hold) or SEC1 (`BEGIN EC PRIVATE KEY`, what
    /// `openssl ecparam -genkey` writes). Any other algorithm or curve is
    /// refused with a message naming what was found.
    public convenience init(pem: String) throws(CryptoError) {
        let loaded = try PEMPrivateKey.load(pem)
        do {
            try P256Curve.requireP256(loaded)
        } catch {
            EVP_PKEY_free(loaded)
            throw error
        }
        try self.init(owning: loaded)
    }

    /// Builds the key from its 32-byte big-endian private scalar, the form
    /// RFC 8291's test vectors and some VAPID tools give.
    public convenience init(raw: [UInt8]) throws(CryptoError) {
        try self.init(owning: P256Curve.privateKey(scalar: raw))
    }

    /// Takes ownership of an EVP_PKEY already known to be a P-256 private
    /// key, freeing it if the key turns out unusable.
    private init(owning loaded: OpaquePointer) throws(CryptoError) {
        do {
            publicKey = try P256Curve.uncompressedPublicKey(of: loaded)
        } catch {
            EVP_PKEY_free(loaded)
            throw error
        }
        key = loaded
    }

    deinit { EVP_PKEY_free(key) }

    /// A fresh random key (RFC 8291 wants one per message).
    public static func generate() throws(CryptoError) -> P256PrivateKey {
        OpenSSLErrors.clear()
        guard let context = EVP_PKEY_CTX_new_from_name(nil, "EC", nil) else {
            throw CryptoError.openSSL("P-256: cannot create a key generation context")
        }
        defer { EVP_PKEY_CTX_free(context) }
        var generated: OpaquePointer?
        guard EVP_PKEY_keygen_init(context) == 1,
              EVP_PKEY_CTX_set_group_name(context, "P-256") == 1,
              EVP_PKEY_generate(context, &generated) == 1,
              let generated
        else { throw CryptoError.openSSL("P-256: key generation failed") }
        return try P256PrivateKey(owning: generated)
    }

    /// Signs `data` with ES256 (SHA-256, ECDSA P-256) and returns the
    /// 64-byte JWS form r‖s, not DER: APNs and push services reject DER.
    public func signES256(_ data: [UInt8]) throws(CryptoError) -> [UInt8] {
        let der = try EVPSigning.signSHA256(key: key, data: data, what: "ES256")
        return try ECDSARawSignature.fromDER(der)
    }

    /// ECDH with a peer's 65-byte uncompressed public key; returns the
    /// 32-byte shared secret (the X coordinate). The peer point is checked
    /// to lie on P-256 first, so a malicious subscription key cannot leak
    /// bits of this key (invalid-curve attack).
    public func sharedSecret(with peerPublicKey: [UInt8]) throws(CryptoError) -> [UInt8] {
        try sharedSecret(with: P256PublicKey(peerPublicKey))
    }

    /// ECDH with a peer key checked when it was made (`P256PublicKey`), so
    /// the derivation skips OpenSSL's second, full check of it: for P-256,
    /// whose cofactor is 1, on the curve is the whole requirement, and the
    /// full check would add a scalar multiplication to every Web Push message.
    public func sharedSecret(with peer: P256PublicKey) throws(CryptoError) -> [UInt8] {
        OpenSSLErrors.clear()
        guard let context = EVP_PKEY_CTX_new_from_pkey(nil, key, nil) else {
            throw CryptoError.openSSL("ECDH: cannot create a context")
        }
        defer { EVP_PKEY_CTX_free(context) }
        var length = 0
        guard EVP_PKEY_derive_init(context) == 1,
              EVP_PKEY_derive_set_peer_ex(context, peer.key, 0) == 1,
              EVP_PKEY_derive(context, nil, &length) == 1
        else { throw CryptoError.openSSL("ECDH: key agreement failed") }
        var secret = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_derive(context, &secret, &length) == 1, length == 32 else {
            throw CryptoError.openSSL("ECDH: key agreement failed")
        }
        return secret
    }
}
