import Testing
import NudgeCrypto

@Suite struct RS256Tests {
    /// RSASSA-PKCS1-v1_5 is deterministic, so the signature must equal
    /// the one Python's `cryptography` made with the same key and input.
    @Test func matchesPythonSignature() throws {
        let key = try RSAPrivateKey(pem: TestKeys.rsa2048)
        #expect(key.bits == 2048)
        let signature = try key.signRS256(Array(TestKeys.rs256Message.utf8))
        #expect(signature.count == 256)
        #expect(Hex.encode(signature) == TestKeys.rs256PythonSignature)
    }

    @Test func differentInputDifferentSignature() throws {
        let key = try RSAPrivateKey(pem: TestKeys.rsa2048)
        #expect(try key.signRS256([1]) != key.signRS256([2]))
        #expect(try key.signRS256([]).count == 256)
    }

    @Test func ecKeyIsRefusedByName() {
        #expect(cryptoError { try RSAPrivateKey(pem: TestKeys.p256PKCS8) } == CryptoError("not an RSA private key (found EC)"))
    }

    @Test func garbageIsRefused() throws {
        let error = try #require(cryptoError { try RSAPrivateKey(pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----") })
        #expect(error.message.hasPrefix("PEM: no private key found"))
    }
}
