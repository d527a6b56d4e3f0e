import COpenSSL

/// HMAC (RFC 2104) with SHA-256.
public enum HMACSHA256 {
    /// The 32-byte MAC of `data` under `key` (any length, including empty).
    public static func mac(key: [UInt8], data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length = 0
        // EVP_Q_mac is OpenSSL 3's one-shot MAC (HMAC_CTX is deprecated).
        let result = withBytes(key) { keyPointer, keyCount in
            withBytes(data) { dataPointer, dataCount in
                EVP_Q_mac(nil, "HMAC", nil, "SHA256", nil,
                          keyPointer, keyCount, dataPointer, dataCount, &out, out.count, &length)
            }
        }
        // Fails only when memory runs out or the default provider is
        // missing; neither leaves a MAC to return.
        guard result != nil, length == 32 else { fatalError("HMAC-SHA-256 failed: \(CryptoError.openSSL("EVP_Q_mac"))") }
        return out
    }
}
