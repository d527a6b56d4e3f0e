/// The keys RFC 8291 section 3.4 derives for one message, each named as in
/// the RFC's Appendix A so a test can compare them with the vector.
public struct WebPushKeys: Sendable, Equatable {
    /// HMAC-SHA-256(auth_secret, ecdh_secret): HKDF-Extract with the auth
    /// secret as salt.
    public let prkKey: [UInt8]
    /// The 32-byte input keying material for the content coding.
    public let ikm: [UInt8]
    /// HMAC-SHA-256(salt, IKM): RFC 8188's extract step.
    public let prk: [UInt8]
    /// The 16-byte content-encryption key.
    public let cek: [UInt8]
    /// The 12-byte nonce of the first (and only) record.
    public let nonce: [UInt8]
}

extension WebPushEncryption {
    /// Derives the content-encryption key and nonce of RFC 8291 section 3.4
    /// and RFC 8188 section 2.2 from the ECDH secret, the subscription's
    /// auth secret and public key, the sender's public key and the salt.
    /// Both directions call it, with the keys in the same roles.
    public static func derive(
        ecdhSecret: [UInt8], authSecret: [UInt8],
        uaPublicKey: [UInt8], senderPublicKey: [UInt8], salt: [UInt8]
    ) -> WebPushKeys {
        // key_info = "WebPush: info" ‖ 0x00 ‖ ua_public ‖ as_public
        let keyInfo = Array("WebPush: info".utf8) + [0] + uaPublicKey + senderPublicKey
        let prkKey = HKDF.extract(salt: authSecret, ikm: ecdhSecret)
        let ikm = HKDF.expand(prk: prkKey, info: keyInfo, length: 32)
        let prk = HKDF.extract(salt: salt, ikm: ikm)
        let cek = HKDF.expand(prk: prk, info: Array("Content-Encoding: aes128gcm".utf8) + [0], length: 16)
        let nonce = HKDF.expand(prk: prk, info: Array("Content-Encoding: nonce".utf8) + [0], length: 12)
        return WebPushKeys(prkKey: prkKey, ikm: ikm, prk: prk, cek: cek, nonce: nonce)
    }
}
