import COpenSSL

/// Reads the private key in a PEM text, whatever its algorithm; the key
/// classes then check that it is the algorithm they need.
enum PEMPrivateKey {
    /// Parses the first private key in `pem`: PKCS#8 (`BEGIN PRIVATE KEY`)
    /// or a traditional form (`BEGIN EC PRIVATE KEY`, `BEGIN RSA PRIVATE KEY`).
    /// The caller owns the returned EVP_PKEY and frees it.
    static func load(_ pem: String) throws(CryptoError) -> OpaquePointer {
        guard pem.contains("-----BEGIN ") else {
            throw CryptoError("PEM: no PEM block found (expected -----BEGIN PRIVATE KEY-----)")
        }
        // Said up front because OpenSSL's reason for this case ("bad decrypt"
        // or a decoder failure) does not tell an operator what to do.
        if pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") || pem.contains("Proc-Type: 4,ENCRYPTED") {
            throw CryptoError("PEM: the private key is encrypted; store it without a passphrase (openssl pkey -in key.pem -out plain.pem)")
        }
        OpenSSLErrors.clear()
        let bytes = Array(pem.utf8)
        let key: OpaquePointer? = withBytes(bytes) { pointer, count in
            guard let bio = BIO_new_mem_buf(pointer, Int32(clamping: count)) else { return nil }
            defer { BIO_free(bio) }
            // A passphrase callback that supplies none: with a NULL callback
            // OpenSSL would prompt on the controlling terminal and block.
            return PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in 0 }, nil)
        }
        guard let key else {
            if pem.contains("-----BEGIN PUBLIC KEY-----") || pem.contains("-----BEGIN CERTIFICATE-----") {
                // The cause is known; OpenSSL's decoder reason would only blur it.
                OpenSSLErrors.clear()
                throw CryptoError("PEM: no private key found (the file holds a public key or certificate)")
            }
            throw CryptoError.openSSL("PEM: no private key found")
        }
        return key
    }

    /// OpenSSL's name for the key's algorithm ("RSA", "EC", "ED25519"),
    /// for error messages.
    static func typeName(_ key: OpaquePointer) -> String {
        guard let name = EVP_PKEY_get0_type_name(key) else { return "unknown key type" }
        return String(cString: name)
    }
}
