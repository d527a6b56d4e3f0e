import Testing
import NudgeCrypto
@testable import NudgeDelivery

/// A subscriber's key is decoded, checked and imported once; what cannot
/// be a P-256 point says why, every time it is asked for.
@Suite struct SubscriberKeysTests {
    @Test func aKeyIsImportedOnceAndSharedAfterwards() throws {
        let keys = SubscriberKeys()
        let point = try P256PrivateKey.generate().publicKey
        let first = try keys.key(Base64URL.encode(point)).get()
        let second = try keys.key(Base64URL.encode(point)).get()
        #expect(first === second)
        #expect(first.bytes == point)
    }

    @Test(arguments: [("not base64url!", "base64url"), ("AAAA", "65 bytes"),
                      (Base64URL.encode([0x04] + [UInt8](repeating: 1, count: 64)), "not")])
    func whatIsNotAKeyIsRefusedWithItsReason(_ text: String, _ reason: String) {
        let keys = SubscriberKeys()
        for _ in 0..<2 {
            guard case .failure(let error) = keys.key(text) else {
                Issue.record("\(text) was taken as a key")
                return
            }
            #expect(error.message.contains(reason), "\(error.message)")
        }
    }

    @Test func aCheckedKeyGivesTheSameSecretAsItsBytes() throws {
        let us = try P256PrivateKey.generate(), them = try P256PrivateKey.generate()
        let checked = try P256PublicKey(them.publicKey)
        #expect(try us.sharedSecret(with: checked) == us.sharedSecret(with: them.publicKey))
        #expect(try us.sharedSecret(with: checked) == them.sharedSecret(with: us.publicKey))
    }
}
