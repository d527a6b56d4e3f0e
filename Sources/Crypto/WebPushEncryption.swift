/// RFC 8291 (Web Push message encryption, aes128gcm, one record) and the pieces it needs.
///
/// The body is RFC 8188's content coding with a single record:
/// `salt(16) ‖ rs(4, big-endian) ‖ idlen(1) = 65 ‖ sender public key(65) ‖
/// AES-128-GCM(CEK, NONCE, plaintext ‖ 0x02 ‖ zero padding)`.
public enum WebPushEncryption {
    /// Bytes before the ciphertext: salt, record size, key id length, key id.
    public static let headerLength = 16 + 4 + 1 + 65
    /// Length of an auth secret (RFC 8291 section 3.2).
    public static let authSecretLength = 16
    /// Length of the salt.
    public static let saltLength = 16
    /// RFC 8188 section 2.1: a record size below 18 is invalid.
    public static let minimumRecordSize: UInt32 = 18

    /// Encrypts `plaintext` for a subscription (ua public key 65 bytes, auth secret 16 bytes) as one aes128gcm record, with `padding` zero bytes of padding after the 0x02 delimiter. `senderKey` and `salt` are injectable so the RFC 8291 Appendix A vector can be reproduced byte for byte; production passes nil (fresh key and random 16-byte salt per message).
    ///
    /// Throws if the subscription key is not a P-256 point, the auth secret
    /// or salt has the wrong length, or plaintext, delimiter, padding and tag
    /// do not fit in one record of `recordSize` bytes.
    public static func encrypt(
        plaintext: [UInt8], uaPublicKey: [UInt8], authSecret: [UInt8],
        recordSize: UInt32 = 4096, padding: Int = 0,
        senderKey: P256PrivateKey? = nil, salt: [UInt8]? = nil
    ) throws(CryptoError) -> [UInt8] {
        try encrypt(plaintext: plaintext, uaPublicKey: P256PublicKey(uaPublicKey), authSecret: authSecret,
                    recordSize: recordSize, padding: padding, senderKey: senderKey, salt: salt)
    }

    /// `encrypt` for a subscriber key checked already: how the app server
    /// calls it, with the key it read from the registration once.
    public static func encrypt(
        plaintext: [UInt8], uaPublicKey: P256PublicKey, authSecret: [UInt8],
        recordSize: UInt32 = 4096, padding: Int = 0,
        senderKey: P256PrivateKey? = nil, salt: [UInt8]? = nil
    ) throws(CryptoError) -> [UInt8] {
        guard authSecret.count == authSecretLength else {
            throw CryptoError("Web Push: the auth secret must be \(authSecretLength) bytes, got \(authSecret.count)")
        }
        guard padding >= 0 else { throw CryptoError("Web Push: padding cannot be negative (\(padding))") }
        if let salt, salt.count != saltLength {
            throw CryptoError("Web Push: the salt must be \(saltLength) bytes, got \(salt.count)")
        }
        guard recordSize >= minimumRecordSize else {
            throw CryptoError("Web Push: record size \(recordSize) is below the minimum of \(minimumRecordSize)")
        }
        // A record holds its content, the delimiter and the tag. Each part
        // is compared with the record size first so the sum cannot overflow.
        guard plaintext.count <= Int(recordSize), padding <= Int(recordSize),
              plaintext.count + 1 + padding + AES128GCM.tagLength <= Int(recordSize)
        else {
            throw CryptoError("Web Push: \(plaintext.count) bytes of plaintext with \(padding) bytes of padding do not fit in one \(recordSize)-byte record")
        }

        let sender: P256PrivateKey
        if let senderKey { sender = senderKey } else { sender = try P256PrivateKey.generate() }
        let salt = salt ?? SecureRandom.bytes(saltLength)
        let ecdhSecret = try sender.sharedSecret(with: uaPublicKey)
        let keys = derive(ecdhSecret: ecdhSecret, authSecret: authSecret,
                          uaPublicKey: uaPublicKey.bytes, senderPublicKey: sender.publicKey, salt: salt)

        // 0x02 marks the last record; padding zeros follow it.
        let record = plaintext + [0x02] + [UInt8](repeating: 0, count: padding)
        let sealed = try AES128GCM.seal(key: keys.cek, nonce: keys.nonce, plaintext: record)

        var body: [UInt8] = []
        body.reserveCapacity(headerLength + sealed.count)
        body += salt
        body += [UInt8(truncatingIfNeeded: recordSize >> 24), UInt8(truncatingIfNeeded: recordSize >> 16),
                 UInt8(truncatingIfNeeded: recordSize >> 8), UInt8(truncatingIfNeeded: recordSize)]
        body.append(UInt8(sender.publicKey.count))
        body += sender.publicKey
        body += sealed
        return body
    }

    /// The inverse, used by tests (and by a mock Web Push service if written in Swift): given the UA private key and auth secret.
    ///
    /// Accepts exactly one record, as `encrypt` writes; throws on a short or
    /// malformed header, a key id that is not a P-256 point, a failed
    /// authentication (wrong key or auth secret, altered body), or a record
    /// whose padding does not end in the last-record delimiter 0x02.
    public static func decrypt(body: [UInt8], uaPrivateKey: P256PrivateKey, authSecret: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard authSecret.count == authSecretLength else {
            throw CryptoError("Web Push: the auth secret must be \(authSecretLength) bytes, got \(authSecret.count)")
        }
        guard body.count >= 21 else { throw CryptoError("Web Push: body of \(body.count) bytes is shorter than the header") }
        let salt = Array(body[0..<16])
        let recordSize = UInt32(body[16]) << 24 | UInt32(body[17]) << 16 | UInt32(body[18]) << 8 | UInt32(body[19])
        guard recordSize >= minimumRecordSize else {
            throw CryptoError("Web Push: record size \(recordSize) is below the minimum of \(minimumRecordSize)")
        }
        let keyIDLength = Int(body[20])
        guard keyIDLength == 65 else {
            throw CryptoError("Web Push: key id is \(keyIDLength) bytes; RFC 8291 requires the 65-byte sender public key")
        }
        guard body.count >= headerLength + AES128GCM.tagLength + 1 else {
            throw CryptoError("Web Push: body of \(body.count) bytes is too short for a record")
        }
        let senderPublicKey = Array(body[21..<headerLength])
        let sealed = Array(body[headerLength...])
        guard sealed.count <= Int(recordSize) else {
            throw CryptoError("Web Push: \(sealed.count) bytes of ciphertext exceed the record size \(recordSize); only one record is supported")
        }

        let ecdhSecret = try uaPrivateKey.sharedSecret(with: senderPublicKey)
        let keys = derive(ecdhSecret: ecdhSecret, authSecret: authSecret,
                          uaPublicKey: uaPrivateKey.publicKey, senderPublicKey: senderPublicKey, salt: salt)
        let record = try AES128GCM.open(key: keys.cek, nonce: keys.nonce, sealed: sealed)

        // Strip zero padding back to the delimiter, which must be 0x02.
        guard let delimiter = record.lastIndex(where: { $0 != 0 }), record[delimiter] == 0x02 else {
            throw CryptoError("Web Push: the record does not end with the last-record delimiter 0x02")
        }
        return Array(record[..<delimiter])
    }
}
