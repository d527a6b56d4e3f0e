import Testing
import NudgeCrypto

@Suite struct ES256Tests {
    let message = Array("nudge ES256 test input".utf8)

    @Test func signThenVerify() throws {
        let key = try P256PrivateKey.generate()
        let signature = try key.signES256(message)
        #expect(signature.count == 64)
        #expect(try P256PublicKey.verifyES256(publicKey: key.publicKey, data: message, signature: signature))
    }

    /// Many signatures, so that some have an r or s with a leading zero
    /// byte (about 1 in 128 each): those must still be 64 bytes and verify.
    @Test func everySignatureIs64BytesAndVerifies() throws {
        let key = try P256PrivateKey(pem: TestKeys.p256PKCS8)
        for index in 0..<300 {
            let data = message + [UInt8(truncatingIfNeeded: index)]
            let signature = try key.signES256(data)
            #expect(signature.count == 64)
            #expect(try P256PublicKey.verifyES256(publicKey: key.publicKey, data: data, signature: signature))
        }
    }

    @Test func aFlippedBitFails() throws {
        let key = try P256PrivateKey(pem: TestKeys.p256PKCS8)
        let signature = try key.signES256(message)
        for bit in [0, 7, 255, 256, 511] {
            var bad = signature
            bad[bit / 8] ^= 1 << UInt8(bit % 8)
            #expect(try !P256PublicKey.verifyES256(publicKey: key.publicKey, data: message, signature: bad))
        }
        var altered = message
        altered[0] ^= 1
        #expect(try !P256PublicKey.verifyES256(publicKey: key.publicKey, data: altered, signature: signature))
    }

    @Test func anotherKeyFails() throws {
        let signature = try P256PrivateKey(pem: TestKeys.p256PKCS8).signES256(message)
        let other = try P256PrivateKey.generate()
        #expect(try !P256PublicKey.verifyES256(publicKey: other.publicKey, data: message, signature: signature))
    }

    /// A DER signature (what OpenSSL produces natively) is not accepted in place of r‖s.
    @Test func wrongLengthSignatureIsFalse() throws {
        let key = try P256PrivateKey(pem: TestKeys.p256PKCS8)
        let signature = try key.signES256(message)
        #expect(try !P256PublicKey.verifyES256(publicKey: key.publicKey, data: message, signature: Array(signature.prefix(63))))
        #expect(try !P256PublicKey.verifyES256(publicKey: key.publicKey, data: message, signature: signature + [0]))
        #expect(try !P256PublicKey.verifyES256(publicKey: key.publicKey, data: message, signature: []))
        #expect(try !P256PublicKey.verifyES256(publicKey: key.publicKey, data: message,
                                               signature: [UInt8](repeating: 0, count: 64)))
    }

    /// A signature made by Python's `cryptography` verifies here.
    @Test func pythonSignatureVerifies() throws {
        #expect(try P256PublicKey.verifyES256(publicKey: hex(TestKeys.p256Public), data: Array(TestKeys.es256Message.utf8),
                                              signature: hex(TestKeys.es256PythonSignature)))
    }

    /// The example token of RFC 8292 section 2.4 verifies with its `k`.
    @Test func rfc8292ExampleToken() throws {
        let token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9.eyJhdWQiOiJodHRwczovL3B1c2guZXhhbXBsZS5uZXQiLCJleHAiOjE0NTM1MjM3NjgsInN1YiI6Im1haWx0bzpwdXNoQGV4YW1wbGUuY29tIn0.i3CYb7t4xfxCDquptFOepC9GAu_HLGkMlMuCGSK2rpiUfnK9ojFwDXb1JrErtmysazNjjvW2L9OkSSHzvoD1oA"
        let k = b64u("BA1Hxzyi1RUM1b5wjxsn7nGxAszw2u61m164i3MrAIxHF6YK5h4SDYic-dRuU_RCPCfA5aq9ojSwk5Y2EmClBPs")
        let dot = try #require(token.lastIndex(of: "."))
        let signingInput = Array(token[..<dot].utf8)
        let signature = b64u(String(token[token.index(after: dot)...]))
        #expect(signature.count == 64)
        #expect(try P256PublicKey.verifyES256(publicKey: k, data: signingInput, signature: signature))
        var tampered = signingInput
        tampered[tampered.count - 1] ^= 1
        #expect(try !P256PublicKey.verifyES256(publicKey: k, data: tampered, signature: signature))
    }

    @Test func invalidPublicKeyThrows() throws {
        var offCurve = hex(TestKeys.p256Public)
        offCurve[64] ^= 1
        #expect(cryptoError { try P256PublicKey.verifyES256(publicKey: offCurve, data: [], signature: [UInt8](repeating: 1, count: 64)) } != nil)
        let compressed = [0x02] + Array(hex(TestKeys.p256Public)[1...32])
        #expect(cryptoError { try P256PublicKey.verifyES256(publicKey: compressed, data: [], signature: [UInt8](repeating: 1, count: 64)) }
                == CryptoError("P-256: a public key is 65 bytes starting with 0x04 (uncompressed), got 33 bytes"))
    }
}
