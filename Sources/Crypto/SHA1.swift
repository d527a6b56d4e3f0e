import COpenSSL

/// SHA-1 (FIPS 180-4), for identifiers that clients define with it, such
/// as Conversations' push account and channel names. Never for security:
/// SHA-1 is broken for collision resistance.
public enum SHA1 {
    /// The 20-byte digest of `data`.
    public static func hash(_ data: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 20)
        var length: UInt32 = 0
        let ok = withBytes(data) { pointer, count in
            EVP_Digest(pointer, count, &digest, &length, EVP_sha1(), nil)
        }
        // As for SHA-256: a built-in digest fails only when memory runs out.
        guard ok == 1, length == 20 else { fatalError("SHA-1 failed: \(CryptoError.openSSL("EVP_Digest"))") }
        return digest
    }
}
