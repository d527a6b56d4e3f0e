import Testing
import NudgeCrypto

@Suite struct WebPushEncryptionTests {
    let message = Array(#"{"type":"message","from":"juliet@example.net"}"#.utf8)

    /// A fresh sender key and salt per message, as production uses.
    @Test func freshKeyRoundTrip() throws {
        let ua = try P256PrivateKey.generate()
        let auth = SecureRandom.bytes(16)
        let first = try WebPushEncryption.encrypt(plaintext: message, uaPublicKey: ua.publicKey, authSecret: auth)
        let second = try WebPushEncryption.encrypt(plaintext: message, uaPublicKey: ua.publicKey, authSecret: auth)
        #expect(first != second)
        #expect(Array(first[0..<16]) != Array(second[0..<16]))        // salts differ
        #expect(Array(first[21..<86]) != Array(second[21..<86]))      // sender keys differ
        #expect(first.count == 86 + message.count + 1 + 16)
        #expect(Array(first[16..<21]) == [0, 0, 0x10, 0, 65])          // rs 4096, idlen 65
        #expect(try WebPushEncryption.decrypt(body: first, uaPrivateKey: ua, authSecret: auth) == message)
        #expect(try WebPushEncryption.decrypt(body: second, uaPrivateKey: ua, authSecret: auth) == message)
    }

    @Test func paddingIsAddedAndStripped() throws {
        let ua = try P256PrivateKey.generate()
        let auth = SecureRandom.bytes(16)
        let body = try WebPushEncryption.encrypt(plaintext: message, uaPublicKey: ua.publicKey, authSecret: auth, padding: 100)
        #expect(body.count == 86 + message.count + 1 + 100 + 16)
        #expect(try WebPushEncryption.decrypt(body: body, uaPrivateKey: ua, authSecret: auth) == message)
        let empty = try WebPushEncryption.encrypt(plaintext: [], uaPublicKey: ua.publicKey, authSecret: auth, padding: 3)
        #expect(try WebPushEncryption.decrypt(body: empty, uaPrivateKey: ua, authSecret: auth) == [])
    }

    /// 86 header bytes + 3993 + delimiter + tag = 4096, the Web Push limit.
    @Test func largestPlaintextForOneRecord() throws {
        let ua = try P256PrivateKey.generate()
        let auth = SecureRandom.bytes(16)
        let largest = [UInt8](repeating: 0x61, count: 3993)
        let body = try WebPushEncryption.encrypt(plaintext: largest, uaPublicKey: ua.publicKey, authSecret: auth)
        #expect(body.count == 4096)
        #expect(try WebPushEncryption.decrypt(body: body, uaPrivateKey: ua, authSecret: auth) == largest)
        // 4079 bytes fill a 4096-byte record exactly; one more does not fit.
        let full = [UInt8](repeating: 0x61, count: 4096 - 17)
        #expect(cryptoError { try WebPushEncryption.encrypt(plaintext: full, uaPublicKey: ua.publicKey, authSecret: auth) } == nil)
        #expect(cryptoError { try WebPushEncryption.encrypt(plaintext: full + [0x61], uaPublicKey: ua.publicKey, authSecret: auth) }
                == CryptoError("Web Push: 4080 bytes of plaintext with 0 bytes of padding do not fit in one 4096-byte record"))
    }

    @Test func wrongAuthSecretOrKeyFails() throws {
        let ua = try P256PrivateKey.generate()
        let auth = SecureRandom.bytes(16)
        let body = try WebPushEncryption.encrypt(plaintext: message, uaPublicKey: ua.publicKey, authSecret: auth)
        var wrongAuth = auth
        wrongAuth[15] ^= 0x80
        #expect(cryptoError { try WebPushEncryption.decrypt(body: body, uaPrivateKey: ua, authSecret: wrongAuth) } != nil)
        let otherUA = try P256PrivateKey.generate()
        #expect(cryptoError { try WebPushEncryption.decrypt(body: body, uaPrivateKey: otherUA, authSecret: auth) } != nil)
        var tampered = body
        tampered[body.count - 20] ^= 1
        #expect(cryptoError { try WebPushEncryption.decrypt(body: tampered, uaPrivateKey: ua, authSecret: auth) } != nil)
    }

    @Test func invalidInputsAreRefused() throws {
        let ua = try P256PrivateKey.generate()
        let auth = SecureRandom.bytes(16)
        #expect(cryptoError { try WebPushEncryption.encrypt(plaintext: message, uaPublicKey: ua.publicKey, authSecret: [1, 2]) }
                == CryptoError("Web Push: the auth secret must be 16 bytes, got 2"))
        #expect(cryptoError { try WebPushEncryption.encrypt(plaintext: message, uaPublicKey: ua.publicKey, authSecret: auth, salt: [1]) }
                == CryptoError("Web Push: the salt must be 16 bytes, got 1"))
        #expect(cryptoError { try WebPushEncryption.encrypt(plaintext: message, uaPublicKey: ua.publicKey, authSecret: auth, padding: -1) }
                == CryptoError("Web Push: padding cannot be negative (-1)"))
        #expect(cryptoError { try WebPushEncryption.encrypt(plaintext: [], uaPublicKey: ua.publicKey, authSecret: auth, recordSize: 17) }
                == CryptoError("Web Push: record size 17 is below the minimum of 18"))
        #expect(cryptoError { try WebPushEncryption.encrypt(plaintext: message, uaPublicKey: [4, 1, 2], authSecret: auth) } != nil)
        #expect(cryptoError { try WebPushEncryption.decrypt(body: [1, 2, 3], uaPrivateKey: ua, authSecret: auth) }
                == CryptoError("Web Push: body of 3 bytes is shorter than the header"))
    }

    /// A body whose key id is not 65 bytes is not RFC 8291 and is refused
    /// before any key agreement.
    @Test func foreignKeyIDIsRefused() throws {
        let ua = try P256PrivateKey.generate()
        let auth = SecureRandom.bytes(16)
        var body = try WebPushEncryption.encrypt(plaintext: message, uaPublicKey: ua.publicKey, authSecret: auth)
        body[20] = 64
        #expect(cryptoError { try WebPushEncryption.decrypt(body: body, uaPrivateKey: ua, authSecret: auth) }
                == CryptoError("Web Push: key id is 64 bytes; RFC 8291 requires the 65-byte sender public key"))
    }

    /// A record authenticated correctly but lacking the 0x02 delimiter (a
    /// non-final record, RFC 8188's 0x01) is refused: only one record is sent.
    @Test func missingLastRecordDelimiterIsRefused() throws {
        let ua = try P256PrivateKey.generate()
        let sender = try P256PrivateKey.generate()
        let auth = SecureRandom.bytes(16)
        let salt = SecureRandom.bytes(16)
        let keys = WebPushEncryption.derive(ecdhSecret: try sender.sharedSecret(with: ua.publicKey), authSecret: auth,
                                            uaPublicKey: ua.publicKey, senderPublicKey: sender.publicKey, salt: salt)
        let sealed = try AES128GCM.seal(key: keys.cek, nonce: keys.nonce, plaintext: message + [0x01, 0, 0])
        let body = salt + [0, 0, 0x10, 0, 65] + sender.publicKey + sealed
        #expect(cryptoError { try WebPushEncryption.decrypt(body: body, uaPrivateKey: ua, authSecret: auth) }
                == CryptoError("Web Push: the record does not end with the last-record delimiter 0x02"))
        // The same construction with 0x02 decrypts, so the check above is the delimiter's.
        let good = salt + [0, 0, 0x10, 0, 65] + sender.publicKey
            + (try AES128GCM.seal(key: keys.cek, nonce: keys.nonce, plaintext: message + [0x02, 0, 0]))
        #expect(try WebPushEncryption.decrypt(body: good, uaPrivateKey: ua, authSecret: auth) == message)
    }
}

extension WebPushEncryptionTests {
    /// Absurd padding is refused by the size check, not by an overflow trap.
    @Test func hugePaddingIsRefused() throws {
        let ua = try P256PrivateKey.generate()
        #expect(cryptoError {
            try WebPushEncryption.encrypt(plaintext: message, uaPublicKey: ua.publicKey, authSecret: SecureRandom.bytes(16), padding: Int.max)
        } == CryptoError("Web Push: \(message.count) bytes of plaintext with \(Int.max) bytes of padding do not fit in one 4096-byte record"))
    }
}
