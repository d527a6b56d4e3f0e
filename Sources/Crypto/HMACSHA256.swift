import COpenSSL

/// HMAC (RFC 2104) with SHA-256.
public enum HMACSHA256 {
    /// HMAC and SHA-256 fetched once (nudge_hmac_sha256_template); only
    /// copied afterwards, never changed, so every thread may use it.
    nonisolated(unsafe) private static let template = nudge_hmac_sha256_template()

    /// The 32-byte MAC of `data` under `key` (any length, including empty).
    public static func mac(key: [UInt8], data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        // Fails only when memory runs out or the default provider is
        // missing; neither leaves a MAC to return.
        guard let template else { fatalError("HMAC-SHA-256 is not available: \(CryptoError.openSSL("EVP_MAC_fetch"))") }
        let ok = withBytes(key) { keyPointer, keyCount in
            withBytes(data) { dataPointer, dataCount in
                nudge_hmac_sha256(template, keyPointer, keyCount, dataPointer, dataCount, &out)
            }
        }
        guard ok == 1 else { fatalError("HMAC-SHA-256 failed: \(CryptoError.openSSL("EVP_MAC"))") }
        return out
    }
}
