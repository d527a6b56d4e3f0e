import COpenSSL

/// One-shot digest-and-sign with a fresh EVP_MD_CTX per call, which is what
/// makes sharing one EVP_PKEY between threads safe.
enum EVPSigning {
    /// Signs `data` with SHA-256 and `key`'s default scheme (ECDSA for EC
    /// keys, RSASSA-PKCS1-v1_5 for RSA keys); returns OpenSSL's encoding
    /// (DER for ECDSA, the plain signature for RSA).
    static func signSHA256(key: OpaquePointer, data: [UInt8], what: String) throws(CryptoError) -> [UInt8] {
        OpenSSLErrors.clear()
        guard let context = EVP_MD_CTX_new() else { throw CryptoError.openSSL("\(what): out of memory") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, EVP_sha256(), nil, key) == 1 else {
            throw CryptoError.openSSL("\(what): cannot initialise signing")
        }
        var length = 0
        // First call sizes the buffer (the maximum length), second signs.
        guard withBytes(data, { EVP_DigestSign(context, nil, &length, $0, $1) }) == 1 else {
            throw CryptoError.openSSL("\(what): signing failed")
        }
        var signature = [UInt8](repeating: 0, count: length)
        guard withBytes(data, { EVP_DigestSign(context, &signature, &length, $0, $1) }) == 1 else {
            throw CryptoError.openSSL("\(what): signing failed")
        }
        return Array(signature.prefix(length))
    }

    /// Verifies a signature in OpenSSL's encoding; false for a signature
    /// that does not match or cannot be parsed.
    static func verifySHA256(key: OpaquePointer, data: [UInt8], signature: [UInt8], what: String) throws(CryptoError) -> Bool {
        OpenSSLErrors.clear()
        guard let context = EVP_MD_CTX_new() else { throw CryptoError.openSSL("\(what): out of memory") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, EVP_sha256(), nil, key) == 1 else {
            throw CryptoError.openSSL("\(what): cannot initialise verification")
        }
        let result = withBytes(signature) { sig, sigCount in
            withBytes(data) { EVP_DigestVerify(context, sig, sigCount, $0, $1) }
        }
        // 0 is "does not match"; a negative result is a malformed signature,
        // which for a caller is the same answer. Neither is an exception, so
        // the reason OpenSSL queued is dropped.
        OpenSSLErrors.clear()
        return result == 1
    }
}
