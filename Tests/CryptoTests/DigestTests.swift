import Testing
import NudgeCrypto

@Suite struct SHA256Tests {
    /// FIPS 180-2 / NIST CAVS examples.
    @Test func nistVectors() {
        #expect(Hex.encode(SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Hex.encode(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hex.encode(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(Hex.encode(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}

@Suite struct HMACSHA256Tests {
    /// RFC 4231 test cases 1, 2, 3 and 6 (a key longer than the block size).
    @Test func rfc4231Vectors() {
        #expect(Hex.encode(HMACSHA256.mac(key: [UInt8](repeating: 0x0b, count: 20), data: Array("Hi There".utf8)))
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(Hex.encode(HMACSHA256.mac(key: Array("Jefe".utf8), data: Array("what do ya want for nothing?".utf8)))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(Hex.encode(HMACSHA256.mac(key: [UInt8](repeating: 0xaa, count: 20), data: [UInt8](repeating: 0xdd, count: 50)))
                == "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe")
        #expect(Hex.encode(HMACSHA256.mac(key: [UInt8](repeating: 0xaa, count: 131),
                                          data: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)))
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    /// An empty key and message are legal HMAC inputs (value from Python's hmac).
    @Test func emptyKeyAndData() {
        #expect(Hex.encode(HMACSHA256.mac(key: [], data: []))
                == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }
}

@Suite struct HKDFTests {
    /// RFC 5869 test case 1.
    @Test func rfc5869Case1() {
        let ikm = [UInt8](repeating: 0x0b, count: 22)
        let salt = hex("000102030405060708090a0b0c")
        let info = hex("f0f1f2f3f4f5f6f7f8f9")
        let prk = HKDF.extract(salt: salt, ikm: ikm)
        #expect(Hex.encode(prk) == "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5")
        let okm = "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
        #expect(Hex.encode(HKDF.expand(prk: prk, info: info, length: 42)) == okm)
        #expect(Hex.encode(HKDF.sha256(salt: salt, ikm: ikm, info: info, length: 42)) == okm)
    }

    @Test func shorterOutputIsAPrefix() {
        let full = HKDF.sha256(salt: [1], ikm: [2], info: [3], length: 64)
        #expect(HKDF.sha256(salt: [1], ikm: [2], info: [3], length: 12) == Array(full.prefix(12)))
        #expect(HKDF.sha256(salt: [1], ikm: [2], info: [3], length: 0) == [])
    }
}
