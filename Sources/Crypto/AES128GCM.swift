import COpenSSL

/// AES-128-GCM with a 12-byte nonce, a 16-byte tag and no associated data,
/// as RFC 8188 content coding uses it.
public enum AES128GCM {
    /// Length of the authentication tag appended to the ciphertext.
    public static let tagLength = 16

    /// The cipher fetched once: `EVP_aes_128_gcm()` would fetch it again on
    /// every initialisation (OpenSSL 3). Never changed after the fetch, so
    /// every thread may use it.
    nonisolated(unsafe) private static let cipher = EVP_CIPHER_fetch(nil, "AES-128-GCM", nil)

    /// Encrypts `plaintext`; returns ciphertext ‖ 16-byte tag.
    public static func seal(key: [UInt8], nonce: [UInt8], plaintext: [UInt8]) throws(CryptoError) -> [UInt8] {
        try checkSizes(key: key, nonce: nonce, dataLength: plaintext.count)
        OpenSSLErrors.clear()
        guard let context = EVP_CIPHER_CTX_new() else { throw CryptoError.openSSL("AES-128-GCM: out of memory") }
        defer { EVP_CIPHER_CTX_free(context) }
        guard let cipher, EVP_EncryptInit_ex2(context, cipher, key, nonce, nil) == 1 else {
            throw CryptoError.openSSL("AES-128-GCM: cannot initialise encryption")
        }
        // GCM is a stream mode: output is exactly as long as input.
        var out = [UInt8](repeating: 0, count: plaintext.count + tagLength)
        var written: Int32 = 0
        var finalWritten: Int32 = 0
        let ok = out.withUnsafeMutableBufferPointer { buffer in
            withBytes(plaintext) { input, count in
                EVP_EncryptUpdate(context, buffer.baseAddress, &written, input, Int32(count)) == 1
                    && EVP_EncryptFinal_ex(context, buffer.baseAddress! + Int(written), &finalWritten) == 1
                    && EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(tagLength),
                                           buffer.baseAddress! + plaintext.count) == 1
            }
        }
        guard ok, Int(written + finalWritten) == plaintext.count else {
            throw CryptoError.openSSL("AES-128-GCM: encryption failed")
        }
        return out
    }

    /// Checks the tag and decrypts `sealed` (ciphertext ‖ 16-byte tag).
    /// Throws if the tag does not match: wrong key, wrong nonce or altered data.
    public static func open(key: [UInt8], nonce: [UInt8], sealed: [UInt8]) throws(CryptoError) -> [UInt8] {
        try checkSizes(key: key, nonce: nonce, dataLength: sealed.count)
        guard sealed.count >= tagLength else {
            throw CryptoError("AES-128-GCM: sealed data is \(sealed.count) bytes, shorter than the \(tagLength)-byte tag")
        }
        OpenSSLErrors.clear()
        guard let context = EVP_CIPHER_CTX_new() else { throw CryptoError.openSSL("AES-128-GCM: out of memory") }
        defer { EVP_CIPHER_CTX_free(context) }
        guard let cipher, EVP_DecryptInit_ex2(context, cipher, key, nonce, nil) == 1 else {
            throw CryptoError.openSSL("AES-128-GCM: cannot initialise decryption")
        }
        let ciphertextCount = sealed.count - tagLength
        var tag = Array(sealed[ciphertextCount...])
        var out = [UInt8](repeating: 0, count: ciphertextCount)
        var written: Int32 = 0
        guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(tagLength), &tag) == 1 else {
            throw CryptoError.openSSL("AES-128-GCM: cannot set the tag")
        }
        // An empty ciphertext (empty plaintext) has nothing to update with;
        // its tag is still checked below.
        if ciphertextCount > 0 {
            let updated = out.withUnsafeMutableBufferPointer { buffer in
                sealed.withUnsafeBufferPointer { input in
                    EVP_DecryptUpdate(context, buffer.baseAddress, &written, input.baseAddress, Int32(ciphertextCount)) == 1
                }
            }
            guard updated, Int(written) == ciphertextCount else {
                throw CryptoError.openSSL("AES-128-GCM: decryption failed")
            }
        }
        // Final is where GCM compares the tag; nothing more is written.
        var finalWritten: Int32 = 0
        var scratch = [UInt8](repeating: 0, count: tagLength)
        guard EVP_DecryptFinal_ex(context, &scratch, &finalWritten) == 1 else {
            OpenSSLErrors.clear()
            throw CryptoError("AES-128-GCM: authentication failed (wrong key or corrupted data)")
        }
        return out
    }

    /// OpenSSL's update calls take an int length.
    static let maximumLength = Int(Int32.max) - tagLength

    private static func checkSizes(key: [UInt8], nonce: [UInt8], dataLength: Int) throws(CryptoError) {
        guard dataLength <= maximumLength else { throw CryptoError("AES-128-GCM: \(dataLength) bytes is more than one call can process") }
        guard key.count == 16 else { throw CryptoError("AES-128-GCM: key must be 16 bytes, got \(key.count)") }
        guard nonce.count == 12 else { throw CryptoError("AES-128-GCM: nonce must be 12 bytes, got \(nonce.count)") }
    }
}
