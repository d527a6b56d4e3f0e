import Testing
import NudgeCrypto

@Suite struct Base64URLTests {
    @Test func rfc4648VectorsWithoutPadding() {
        for (plain, padded) in RFC4648.base64Vectors {
            let unpadded = String(padded.prefix { $0 != "=" })
            #expect(Base64URL.encode(Array(plain.utf8)) == unpadded)
            #expect(Base64URL.decode(unpadded) == Array(plain.utf8))
            #expect(Base64URL.decode(padded) == Array(plain.utf8))
        }
    }

    @Test func usesDashAndUnderscore() {
        #expect(Base64URL.encode([0xfb, 0xff, 0xbf]) == "-_-_")
        #expect(Base64URL.decode("-_-_") == [0xfb, 0xff, 0xbf])
        #expect(Base64URL.decode("+/+/") == nil)
    }

    @Test func roundTripsEveryLength() {
        let data = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 91 &+ 3) }
        for length in 0...data.count {
            let slice = Array(data.prefix(length))
            let text = Base64URL.encode(slice)
            #expect(!text.contains("="))
            #expect(Base64URL.decode(text) == slice)
        }
    }

    @Test func rejectsInvalidInput() {
        #expect(Base64URL.decode("Zg=") == nil)      // padding of the wrong length
        #expect(Base64URL.decode("Zm9v=") == nil)    // padding where none belongs
        #expect(Base64URL.decode("Z") == nil)        // impossible length
        #expect(Base64URL.decode("Zh") == nil)       // non-zero trailing bits
        #expect(Base64URL.decode("Zm 9v") == nil)
        #expect(Base64URL.decode("Zm9v\n") == nil)
        #expect(Base64URL.decode("Zm.v") == nil)
    }
}
