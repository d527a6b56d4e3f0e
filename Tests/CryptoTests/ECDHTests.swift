import Testing
import NudgeCrypto

@Suite struct ECDHTests {
    @Test func bothSidesAgree() throws {
        let a = try P256PrivateKey.generate()
        let b = try P256PrivateKey.generate()
        let ab = try a.sharedSecret(with: b.publicKey)
        #expect(ab.count == 32)
        #expect(ab == (try b.sharedSecret(with: a.publicKey)))
    }

    /// A point off the curve is refused before any key agreement, so a
    /// hostile subscription cannot probe the sender key.
    @Test func pointOffTheCurveIsRefused() throws {
        let key = try P256PrivateKey.generate()
        var offCurve = hex(TestKeys.p256Public)
        offCurve[64] ^= 1
        let error = try #require(cryptoError { try key.sharedSecret(with: offCurve) })
        #expect(error.message.hasPrefix("P-256: the public key is not a point on the curve"))
    }

    @Test func malformedPeerKeysAreRefused() throws {
        let key = try P256PrivateKey.generate()
        #expect(cryptoError { try key.sharedSecret(with: []) } != nil)
        #expect(cryptoError { try key.sharedSecret(with: Array(key.publicKey.prefix(33))) } != nil)
        var wrongPrefix = key.publicKey
        wrongPrefix[0] = 0x05
        #expect(cryptoError { try key.sharedSecret(with: wrongPrefix) } != nil)
        #expect(cryptoError { try key.sharedSecret(with: [0x04] + [UInt8](repeating: 0, count: 64)) } != nil)
        // Coordinates past the field prime are not reduced into a point.
        #expect(cryptoError { try key.sharedSecret(with: [0x04] + [UInt8](repeating: 0xff, count: 64)) } != nil)
    }
}
