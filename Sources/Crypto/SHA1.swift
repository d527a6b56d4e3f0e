import COpenSSL

/// SHA-1 (FIPS 180-4), for identifiers that clients define with it, such
/// as Conversations' push account and channel names. Never for security:
/// SHA-1 is broken for collision resistance.
public enum SHA1 {
    /// The 20-byte digest of `data`.
    public static func hash(_ data: [UInt8]) -> [UInt8] { Digest.hash(data, EVP_sha1(), size: 20, name: "SHA-1") }
}
