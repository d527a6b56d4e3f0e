import Testing
import NudgeCrypto

@Suite struct SecureRandomTests {
    @Test func returnsTheRequestedCount() {
        #expect(SecureRandom.bytes(0).isEmpty)
        #expect(SecureRandom.bytes(1).count == 1)
        #expect(SecureRandom.bytes(100_000).count == 100_000)
    }

    /// Two 32-byte draws are equal with probability 2^-256; equality means
    /// the generator is not random (or the buffer was never filled).
    @Test func drawsDiffer() {
        let a = SecureRandom.bytes(32)
        let b = SecureRandom.bytes(32)
        #expect(a != b)
        #expect(a != [UInt8](repeating: 0, count: 32))
    }

    @Test func tokenIsUnpaddedBase64URL() {
        let token = SecureRandom.token(bytes: 32)
        #expect(token.count == 43)
        #expect(Base64URL.decode(token)?.count == 32)
        #expect(SecureRandom.token(bytes: 16) != SecureRandom.token(bytes: 16))
    }
}
