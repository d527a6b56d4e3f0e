import Testing
import NudgeCrypto

@Suite struct AES128GCMTests {
    let zeroKey = [UInt8](repeating: 0, count: 16)
    let zeroNonce = [UInt8](repeating: 0, count: 12)

    /// McGrew & Viega's GCM test cases 1 and 2 (zero key and IV).
    @Test func gcmSpecVectors() throws {
        #expect(Hex.encode(try AES128GCM.seal(key: zeroKey, nonce: zeroNonce, plaintext: [])) == "58e2fccefa7e3061367f1d57a4e7455a")
        let sealed = try AES128GCM.seal(key: zeroKey, nonce: zeroNonce, plaintext: [UInt8](repeating: 0, count: 16))
        #expect(Hex.encode(sealed) == "0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf")
        #expect(try AES128GCM.open(key: zeroKey, nonce: zeroNonce, sealed: sealed) == [UInt8](repeating: 0, count: 16))
        #expect(try AES128GCM.open(key: zeroKey, nonce: zeroNonce, sealed: hex("58e2fccefa7e3061367f1d57a4e7455a")) == [])
    }

    @Test func tamperingIsDetected() throws {
        let key = SecureRandom.bytes(16)
        let nonce = SecureRandom.bytes(12)
        let sealed = try AES128GCM.seal(key: key, nonce: nonce, plaintext: Array("attack at dawn".utf8))
        let failure = CryptoError("AES-128-GCM: authentication failed (wrong key or corrupted data)")
        for index in [0, sealed.count - 17, sealed.count - 1] {
            var bad = sealed
            bad[index] ^= 0x40
            #expect(cryptoError { try AES128GCM.open(key: key, nonce: nonce, sealed: bad) } == failure)
        }
        var otherNonce = nonce
        otherNonce[0] ^= 1
        #expect(cryptoError { try AES128GCM.open(key: key, nonce: otherNonce, sealed: sealed) } == failure)
    }

    @Test func sizesAreChecked() {
        #expect(cryptoError { try AES128GCM.seal(key: [1], nonce: zeroNonce, plaintext: []) }
                == CryptoError("AES-128-GCM: key must be 16 bytes, got 1"))
        #expect(cryptoError { try AES128GCM.seal(key: zeroKey, nonce: [1], plaintext: []) }
                == CryptoError("AES-128-GCM: nonce must be 12 bytes, got 1"))
        #expect(cryptoError { try AES128GCM.open(key: zeroKey, nonce: zeroNonce, sealed: [1, 2]) }
                == CryptoError("AES-128-GCM: sealed data is 2 bytes, shorter than the 16-byte tag"))
    }
}
