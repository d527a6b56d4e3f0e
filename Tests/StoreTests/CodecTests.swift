import NudgeStore
import Testing

@Suite("Codec")
struct CodecTests {
    @Test func varintsRoundTripAtTheirEdges() throws {
        let values: [UInt64] = [0, 1, 127, 128, 300, 16_383, 16_384, UInt64(UInt32.max), UInt64.max - 1, UInt64.max]
        var w = ByteWriter()
        for v in values { w.writeVarint(v) }
        var r = ByteReader(w.bytes, table: .meta)
        for v in values { #expect(try r.readVarint() == v) }
        try r.finish()
        var one = ByteWriter()
        one.writeVarint(300)
        #expect(one.bytes == [0xAC, 0x02])
        var max = ByteWriter()
        max.writeVarint(.max)
        #expect(max.bytes.count == 10)
    }

    @Test func zigzagKeepsSmallNegativesShort() throws {
        let values: [Int64] = [0, -1, 1, -64, 63, -65, Int64.min, Int64.max, 1_700_000_000_000]
        var w = ByteWriter()
        for v in values { w.writeZigzag(v) }
        var r = ByteReader(w.bytes, table: .meta)
        for v in values { #expect(try r.readZigzag() == v) }
        try r.finish()
        var small = ByteWriter()
        small.writeZigzag(-1)
        #expect(small.bytes == [1])
    }

    @Test func stringsBytesOptionalsAndFixedIntegers() throws {
        var w = ByteWriter()
        w.writeString("")
        w.writeString("jülia@exämple.net/📱")
        w.writeBytes([0, 255, 7])
        w.writeOptional(nil as String?) { $0.writeString($1) }
        w.writeOptional("x") { $0.writeString($1) }
        w.writeBool(true)
        w.writeUInt32BE(0x0102_0304)
        w.writeUInt64BE(0x0102_0304_0506_0708)
        #expect(Array(w.bytes.suffix(12)) == [1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8])
        var r = ByteReader(w.bytes, table: .meta)
        #expect(try r.readString() == "")
        #expect(try r.readString() == "jülia@exämple.net/📱")
        #expect(try r.readBytes() == [0, 255, 7])
        #expect(try r.readOptional { r throws(StoreError) in try r.readString() } == nil)
        #expect(try r.readOptional { r throws(StoreError) in try r.readString() } == "x")
        #expect(try r.readBool())
        #expect(try r.readUInt32BE() == 0x0102_0304)
        #expect(try r.readUInt64BE() == 0x0102_0304_0506_0708)
        #expect(r.isAtEnd)
    }

    @Test func bigEndianKeysSortNumerically() {
        func key(_ v: UInt64) -> [UInt8] {
            var w = ByteWriter()
            w.writeUInt64BE(v)
            return w.bytes
        }
        let values: [UInt64] = [0, 1, 255, 256, 65_535, 1 << 32, .max]
        for (a, b) in zip(values, values.dropFirst()) {
            #expect(key(a).lexicographicallyPrecedes(key(b)))
        }
    }

    @Test func malformedInputIsCorrupt() {
        func error(_ bytes: [UInt8], _ read: (inout ByteReader) throws(StoreError) -> Void) -> StoreError? {
            var r = ByteReader(bytes, table: .enable)
            do throws(StoreError) {
                try read(&r)
                return nil
            } catch {
                return error
            }
        }
        #expect(error([0x80, 0x80]) { r throws(StoreError) in _ = try r.readVarint() }
            == StoreError(.corrupt, "table enable: record truncated at byte 2"))
        #expect(error([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02]) { r throws(StoreError) in _ = try r.readVarint() }
            == StoreError(.corrupt, "table enable: varint overflows 64 bits at byte 0"))
        #expect(error([5, 0x61]) { r throws(StoreError) in _ = try r.readString() }
            == StoreError(.corrupt, "table enable: record truncated at byte 2"))
        #expect(error([2, 0xC3, 0x28]) { r throws(StoreError) in _ = try r.readString() }
            == StoreError(.corrupt, "table enable: invalid UTF-8 in string at byte 0"))
        #expect(error([2]) { r throws(StoreError) in _ = try r.readBool() }
            == StoreError(.corrupt, "table enable: invalid boolean 2 at byte 0"))
        #expect(error([1, 2, 3]) { r throws(StoreError) in _ = try r.readUInt32BE() }
            == StoreError(.corrupt, "table enable: record truncated at byte 3"))
        #expect(error([0x80, 0x80, 0x80, 0x80, 0x10]) { r throws(StoreError) in _ = try r.readVarintUInt32() }
            == StoreError(.corrupt, "table enable: value 4294967296 at byte 0 does not fit 32 bits"))
        #expect(error([1, 9]) { r throws(StoreError) in _ = try r.readUInt8(); try r.finish() }
            == StoreError(.corrupt, "table enable: 1 unexpected bytes after the record at byte 1"))
        #expect(error([2]) { r throws(StoreError) in try r.readFormatVersion(1) }
            == StoreError(.corrupt, "table enable: unknown record format 2 (this Nudge reads 1)"))
        // A huge count must fail before anything is allocated for it.
        #expect(error([0xFF, 0xFF, 0xFF, 0xFF, 0x0F]) { r throws(StoreError) in _ = try r.readCount() }?.kind == .corrupt)
    }
}
