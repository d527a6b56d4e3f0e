import COpenSSL

/// SHA-256 (FIPS 180-4).
public enum SHA256 {
    /// The 32-byte digest of `data`.
    public static func hash(_ data: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = withBytes(data) { pointer, count in
            EVP_Digest(pointer, count, &digest, &length, EVP_sha256(), nil)
        }
        // EVP_Digest with a built-in digest fails only when memory runs
        // out; there is no sensible digest to return instead.
        guard ok == 1, length == 32 else { fatalError("SHA-256 failed: \(CryptoError.openSSL("EVP_Digest"))") }
        return digest
    }
}
