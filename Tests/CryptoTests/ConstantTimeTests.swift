import Testing
import NudgeCrypto

@Suite struct ConstantTimeEqualsTests {
    @Test func truthTable() {
        #expect(constantTimeEquals([], []))
        #expect(constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2, 4]))   // last byte differs
        #expect(!constantTimeEquals([0, 2, 3], [1, 2, 3]))   // first byte differs
        #expect(!constantTimeEquals([1, 2, 3], [1, 2]))      // lengths differ
        #expect(!constantTimeEquals([], [0]))
        #expect(!constantTimeEquals([0x80], [0x00]))         // only the high bit differs
    }
}
