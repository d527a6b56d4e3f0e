import COpenSSL

/// Moving P-256 keys between byte strings and EVP_PKEY.
///
/// Raw private keys are wrapped in a fixed DER prefix and parsed with d2i:
/// OpenSSL's decoder then parses the scalar and derives the public point.
/// Public keys, one per Web Push message, are built from parameters, which
/// is six times cheaper (see `publicKey`).
enum P256Curve {
    /// The order n of the P-256 base point, big-endian.
    static let order: [UInt8] = Hex.decode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")!

    /// SEC1 ECPrivateKey (RFC 5915) up to the private key OCTET STRING
    /// contents: version 1. The 32-byte scalar follows, then `sec1Suffix`.
    static let sec1Prefix: [UInt8] = Hex.decode("30310201010420")!
    /// `[0] prime256v1`; the public key is left out and OpenSSL computes it.
    static let sec1Suffix: [UInt8] = Hex.decode("a00a06082a8648ce3d030107")!

    /// Throws unless `key` is an EC key on P-256, naming what it is instead.
    static func requireP256(_ key: OpaquePointer) throws(CryptoError) {
        guard EVP_PKEY_get_base_id(key) == EVP_PKEY_EC else {
            throw CryptoError("not a P-256 private key (found \(PEMPrivateKey.typeName(key)))")
        }
        var name = [CChar](repeating: 0, count: 64)
        var length = 0
        guard EVP_PKEY_get_group_name(key, &name, name.count, &length) == 1 else {
            throw CryptoError.openSSL("not a P-256 private key (an EC key without a named curve)")
        }
        let curve = String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // OpenSSL reports P-256 by its X9.62 name; the others are aliases.
        guard ["prime256v1", "P-256", "secp256r1"].contains(curve) else {
            throw CryptoError("not a P-256 private key (found EC curve \(curve))")
        }
    }

    /// The key's public point as 65 bytes 0x04‖X‖Y. OpenSSL exports the
    /// point in the key's conversion form, which its EC code can take over
    /// from a file that stores the point compressed; setting the form first
    /// makes the export independent of how the key was stored.
    static func uncompressedPublicKey(of key: OpaquePointer) throws(CryptoError) -> [UInt8] {
        OpenSSLErrors.clear()
        guard EVP_PKEY_set_utf8_string_param(key, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "uncompressed") == 1 else {
            throw CryptoError.openSSL("P-256: cannot select the uncompressed point format")
        }
        var point = [UInt8](repeating: 0, count: 65)
        var length = 0
        guard EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, &point, point.count, &length) == 1,
              length == 65, point[0] == 0x04
        else { throw CryptoError.openSSL("P-256: cannot export the public key") }
        return point
    }

    /// An EVP_PKEY for a 32-byte private scalar in 1 ..< n. Caller frees it.
    static func privateKey(scalar: [UInt8]) throws(CryptoError) -> OpaquePointer {
        guard scalar.count == 32 else {
            throw CryptoError("P-256: a raw private key is 32 bytes, got \(scalar.count)")
        }
        // Big-endian byte strings of equal length compare like the numbers.
        guard scalar.contains(where: { $0 != 0 }), scalar.lexicographicallyPrecedes(order) else {
            throw CryptoError("P-256: the raw private key is not in the range 1 ..< n")
        }
        OpenSSLErrors.clear()
        let der = sec1Prefix + scalar + sec1Suffix
        let key: OpaquePointer? = withBytes(der) { pointer, count in
            var cursor: UnsafePointer<UInt8>? = pointer
            return d2i_PrivateKey(EVP_PKEY_EC, nil, &cursor, count)
        }
        guard let key else { throw CryptoError.openSSL("P-256: cannot build a key from the raw private key") }
        return key
    }

    /// An EVP_PKEY for a 65-byte uncompressed public point, refused unless
    /// the point is on P-256 and not the point at infinity. Caller frees it.
    ///
    /// Built from parameters rather than decoded from a SubjectPublicKeyInfo:
    /// OpenSSL 3's decoders cost about 90 µs a key, paid for every Web Push
    /// message (the subscriber's key), against 15 µs here. The quick check
    /// (on the curve, not infinity) is the whole check for P-256, whose
    /// cofactor is 1; the full one adds a scalar multiplication (34 µs).
    static func publicKey(_ point: [UInt8]) throws(CryptoError) -> OpaquePointer {
        guard point.count == 65, point[0] == 0x04 else {
            throw CryptoError("P-256: a public key is 65 bytes starting with 0x04 (uncompressed), got \(point.count) bytes")
        }
        OpenSSLErrors.clear()
        let built: OpaquePointer? = withBytes(point) { pointer, count in nudge_p256_public_key(pointer, count) }
        guard let key = built else { throw CryptoError.openSSL("P-256: the public key is not a point on the curve") }
        // fromdata already refuses points off the curve; the check states
        // the requirement rather than relying on that.
        guard let context = EVP_PKEY_CTX_new_from_pkey(nil, key, nil) else {
            EVP_PKEY_free(key)
            throw CryptoError.openSSL("P-256: cannot check the public key")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_public_check_quick(context) == 1 else {
            EVP_PKEY_free(key)
            throw CryptoError.openSSL("P-256: the public key is not a valid point")
        }
        return key
    }
}
