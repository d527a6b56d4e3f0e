import Testing
import NudgeCrypto

@Suite struct Base64Tests {
    @Test func rfc4648Vectors() {
        for (plain, encoded) in RFC4648.base64Vectors {
            #expect(Base64.encode(Array(plain.utf8)) == encoded)
            #expect(Base64.decode(encoded) == Array(plain.utf8))
        }
    }

    @Test func usesPlusAndSlash() {
        #expect(Base64.encode([0xfb, 0xff, 0xbf]) == "+/+/")
        #expect(Base64.decode("+/+/") == [0xfb, 0xff, 0xbf])
    }

    @Test func roundTripsEveryLength() {
        let data = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        for length in 0...data.count {
            let slice = Array(data.prefix(length))
            #expect(Base64.decode(Base64.encode(slice)) == slice)
        }
    }

    @Test func rejectsMissingOrWrongPadding() {
        #expect(Base64.decode("Zg") == nil)
        #expect(Base64.decode("Zg=") == nil)
        #expect(Base64.decode("Zg===") == nil)
        #expect(Base64.decode("Zm9v=") == nil)
        #expect(Base64.decode("Zm=v") == nil)
    }

    @Test func rejectsCharactersOutsideTheAlphabet() {
        #expect(Base64.decode("Zm9v\n") == nil)
        #expect(Base64.decode(" Zm9v") == nil)
        #expect(Base64.decode("Zm-v") == nil)
        #expect(Base64.decode("Zm_v") == nil)
        #expect(Base64.decode("Zm9é") == nil)
    }

    @Test func rejectsImpossibleLengthAndNonZeroTrailingBits() {
        #expect(Base64.decode("Zm9vY") == nil)
        // "Zh==" carries the same byte as "Zg==" plus stray low bits.
        #expect(Base64.decode("Zh==") == nil)
    }
}
