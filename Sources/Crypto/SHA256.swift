import COpenSSL

/// SHA-256 (FIPS 180-4).
public enum SHA256 {
    /// The 32-byte digest of `data`.
    public static func hash(_ data: [UInt8]) -> [UInt8] { Digest.hash(data, EVP_sha256(), size: 32, name: "SHA-256") }
}
