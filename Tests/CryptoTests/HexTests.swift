import Testing
import NudgeCrypto

@Suite struct HexTests {
    @Test func rfc4648VectorsLowercaseOut() {
        for (plain, encoded) in RFC4648.hexVectors {
            #expect(Hex.encode(Array(plain.utf8)) == encoded.lowercased())
            #expect(Hex.decode(encoded) == Array(plain.utf8))
            #expect(Hex.decode(encoded.lowercased()) == Array(plain.utf8))
        }
    }

    @Test func roundTripsAllByteValues() {
        let all = (0...255).map { UInt8($0) }
        let text = Hex.encode(all)
        #expect(text.hasPrefix("000102"))
        #expect(text.hasSuffix("fdfeff"))
        #expect(Hex.decode(text) == all)
    }

    @Test func rejectsInvalidInput() {
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("0g") == nil)
        #expect(Hex.decode("0x00") == nil)
        #expect(Hex.decode(" 00") == nil)
    }
}
