import Testing
import NudgeCrypto

@Suite struct P256KeyLoadingTests {
    @Test func pkcs8() throws {
        let key = try P256PrivateKey(pem: TestKeys.p256PKCS8)
        #expect(Hex.encode(key.publicKey) == TestKeys.p256Public)
    }

    @Test func sec1() throws {
        let key = try P256PrivateKey(pem: TestKeys.p256SEC1)
        #expect(Hex.encode(key.publicKey) == TestKeys.p256Public)
    }

    /// VAPID's `k=` and RFC 8291's key id need the uncompressed form even
    /// when the file stores the point compressed.
    @Test func sec1WithCompressedPoint() throws {
        let key = try P256PrivateKey(pem: TestKeys.p256SEC1Compressed)
        #expect(Hex.encode(key.publicKey) == TestKeys.p256Public)
    }

    /// The raw scalar gives the same key, public point derived by OpenSSL.
    @Test func rawScalar() throws {
        let key = try P256PrivateKey(raw: hex(TestKeys.p256Scalar))
        #expect(Hex.encode(key.publicKey) == TestKeys.p256Public)
        let signature = try key.signES256([1, 2, 3])
        #expect(try P256PublicKey.verifyES256(publicKey: hex(TestKeys.p256Public), data: [1, 2, 3], signature: signature))
    }

    @Test func generatedKeysDiffer() throws {
        let a = try P256PrivateKey.generate()
        let b = try P256PrivateKey.generate()
        #expect(a.publicKey.count == 65 && a.publicKey[0] == 0x04)
        #expect(a.publicKey != b.publicKey)
    }

    @Test func rsaKeyIsRefusedByName() {
        #expect(cryptoError { try P256PrivateKey(pem: TestKeys.rsa2048) } == CryptoError("not a P-256 private key (found RSA)"))
    }

    @Test func otherCurveIsRefusedByName() {
        #expect(cryptoError { try P256PrivateKey(pem: TestKeys.p384PKCS8) }
                == CryptoError("not a P-256 private key (found EC curve secp384r1)"))
    }

    @Test func garbageIsRefused() throws {
        #expect(cryptoError { try P256PrivateKey(pem: "hello") }
                == CryptoError("PEM: no PEM block found (expected -----BEGIN PRIVATE KEY-----)"))
        let broken = "-----BEGIN PRIVATE KEY-----\nnot base64 at all!\n-----END PRIVATE KEY-----\n"
        let error = try #require(cryptoError { try P256PrivateKey(pem: broken) })
        #expect(error.message.hasPrefix("PEM: no private key found"))
    }

    /// A truncated body is a common copy-and-paste accident.
    @Test func truncatedKeyIsRefused() throws {
        let lines = TestKeys.p256PKCS8.split(separator: "\n")
        let truncated = ([lines[0], lines[1]] + [lines[lines.count - 1]]).joined(separator: "\n")
        let error = try #require(cryptoError { try P256PrivateKey(pem: truncated) })
        // OpenSSL's specific reason follows its generic one.
        #expect(error.message.hasPrefix("PEM: no private key found (error:"))
        #expect(error.message.contains("asn1 encoding routines"))
    }

    @Test func encryptedKeyIsRefusedWithAdvice() {
        #expect(cryptoError { try P256PrivateKey(pem: TestKeys.p256Encrypted) }
                == CryptoError("PEM: the private key is encrypted; store it without a passphrase (openssl pkey -in key.pem -out plain.pem)"))
    }

    @Test func publicKeyIsNotAPrivateKey() {
        #expect(cryptoError { try P256PrivateKey(pem: TestKeys.p256PublicPEM) }
                == CryptoError("PEM: no private key found (the file holds a public key or certificate)"))
    }

    @Test func rawScalarOutOfRange() {
        #expect(cryptoError { try P256PrivateKey(raw: [UInt8](repeating: 1, count: 31)) }
                == CryptoError("P-256: a raw private key is 32 bytes, got 31"))
        let outOfRange = CryptoError("P-256: the raw private key is not in the range 1 ..< n")
        #expect(cryptoError { try P256PrivateKey(raw: [UInt8](repeating: 0, count: 32)) } == outOfRange)
        // n itself, and all ones, are not valid scalars; n - 1 is.
        let n = hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")
        #expect(cryptoError { try P256PrivateKey(raw: n) } == outOfRange)
        #expect(cryptoError { try P256PrivateKey(raw: [UInt8](repeating: 0xff, count: 32)) } == outOfRange)
        var nMinusOne = n
        nMinusOne[31] -= 1
        #expect(cryptoError { try P256PrivateKey(raw: nMinusOne) } == nil)
    }
}
