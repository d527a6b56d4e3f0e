import COpenSSL

/// An RSA private key: FCM service accounts (PEM in the JSON file, PKCS#8 "BEGIN PRIVATE KEY").
///
/// `@unchecked Sendable`: the EVP_PKEY is never modified after `init`
/// returns, and OpenSSL 3 allows concurrent signing with one key as long as
/// each call has its own EVP_MD_CTX, which `signRS256` creates and frees.
public final class RSAPrivateKey: @unchecked Sendable {
    private let key: OpaquePointer

    /// Loads an RSA key from PEM, PKCS#8 (`BEGIN PRIVATE KEY`, as in Google
    /// service-account files) or PKCS#1 (`BEGIN RSA PRIVATE KEY`). Other
    /// algorithms are refused with a message naming what was found.
    public init(pem: String) throws(CryptoError) {
        let loaded = try PEMPrivateKey.load(pem)
        // RSA-PSS keys are refused too: they may not sign PKCS#1 v1.5.
        guard EVP_PKEY_get_base_id(loaded) == EVP_PKEY_RSA else {
            let found = PEMPrivateKey.typeName(loaded)
            EVP_PKEY_free(loaded)
            throw CryptoError("not an RSA private key (found \(found))")
        }
        key = loaded
    }

    deinit { EVP_PKEY_free(key) }

    /// The modulus size in bits (Google issues 2048-bit keys).
    public var bits: Int { Int(EVP_PKEY_get_bits(key)) }

    /// Signs `data` with RS256: RSASSA-PKCS1-v1_5 over SHA-256 (RFC 8017),
    /// OpenSSL's default padding for RSA keys. Deterministic: the same key
    /// and data always give the same signature.
    public func signRS256(_ data: [UInt8]) throws(CryptoError) -> [UInt8] {
        try EVPSigning.signSHA256(key: key, data: data, what: "RS256")
    }
}
