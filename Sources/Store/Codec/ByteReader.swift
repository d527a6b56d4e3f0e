/// Reads the bytes `ByteWriter` wrote, failing with `.corrupt` errors that
/// name the table and the byte offset.
public struct ByteReader: Sendable {
    private let bytes: [UInt8]
    /// The table the bytes came from, named in error messages.
    public let table: Table
    /// The offset of the next byte to read.
    public private(set) var offset: Int = 0

    /// Creates a reader over `bytes` from `table`.
    public init(_ bytes: [UInt8], table: Table) {
        self.bytes = bytes
        self.table = table
    }

    /// Whether every byte has been read.
    public var isAtEnd: Bool { offset == bytes.count }

    /// An error about these bytes, naming the table.
    public func corrupt(_ what: String) -> StoreError {
        StoreError(.corrupt, "table \(table.rawValue): \(what)")
    }

    /// Reads one byte.
    public mutating func readUInt8() throws(StoreError) -> UInt8 {
        guard offset < bytes.count else { throw truncated() }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// Reads a boolean byte; anything but 0 or 1 is corrupt.
    public mutating func readBool() throws(StoreError) -> Bool {
        let at = offset
        switch try readUInt8() {
        case 0: return false
        case 1: return true
        case let other: throw corrupt("invalid boolean \(other) at byte \(at)")
        }
    }

    /// Reads an unsigned LEB128 varint.
    public mutating func readVarint() throws(StoreError) -> UInt64 {
        let start = offset
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try readUInt8()
            // The tenth byte carries bit 63 only; more would overflow.
            if shift == 63 && byte > 1 {
                throw corrupt("varint overflows 64 bits at byte \(start)")
            }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// Reads a zigzag varint.
    public mutating func readZigzag() throws(StoreError) -> Int64 {
        let raw = try readVarint()
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    /// Reads a varint that must fit a UInt32.
    public mutating func readVarintUInt32() throws(StoreError) -> UInt32 {
        let at = offset
        let v = try readVarint()
        guard let narrow = UInt32(exactly: v) else {
            throw corrupt("value \(v) at byte \(at) does not fit 32 bits")
        }
        return narrow
    }

    /// Reads a varint count of items that each take at least one byte; a
    /// count larger than the bytes left cannot be honest, and checking it
    /// first keeps a corrupt count from reserving huge arrays.
    public mutating func readCount() throws(StoreError) -> Int {
        let v = try readVarint()
        guard v <= UInt64(bytes.count - offset) else { throw truncated() }
        return Int(v)
    }

    /// Reads a length-prefixed byte string.
    public mutating func readBytes() throws(StoreError) -> [UInt8] {
        let length = try readCount()
        defer { offset += length }
        return Array(bytes[offset..<offset + length])
    }

    /// Reads a length-prefixed UTF-8 string.
    public mutating func readString() throws(StoreError) -> String {
        let at = offset
        let length = try readCount()
        // Straight from the record's bytes: no array in between.
        let s = bytes.withUnsafeBufferPointer { String(validating: UnsafeBufferPointer(rebasing: $0[offset..<offset + length]), as: UTF8.self) }
        guard let s else { throw corrupt("invalid UTF-8 in string at byte \(at)") }
        offset += length
        return s
    }

    /// Reads a presence byte and, when present, the value `read` reads.
    public mutating func readOptional<T>(_ read: (inout ByteReader) throws(StoreError) -> T) throws(StoreError) -> T? {
        try readBool() ? try read(&self) : nil
    }

    /// Reads 4 big-endian bytes.
    public mutating func readUInt32BE() throws(StoreError) -> UInt32 {
        guard bytes.count - offset >= 4 else { throw truncated() }
        var v: UInt32 = 0
        for _ in 0..<4 {
            v = v << 8 | UInt32(bytes[offset])
            offset += 1
        }
        return v
    }

    /// Reads 8 big-endian bytes.
    public mutating func readUInt64BE() throws(StoreError) -> UInt64 {
        guard bytes.count - offset >= 8 else { throw truncated() }
        var v: UInt64 = 0
        for _ in 0..<8 {
            v = v << 8 | UInt64(bytes[offset])
            offset += 1
        }
        return v
    }

    /// Reads the leading format-version byte of a record value and checks
    /// it is one this build can decode.
    public mutating func readFormatVersion(_ supported: UInt8) throws(StoreError) {
        _ = try readFormatVersion(supported...supported)
    }

    /// Reads the leading format-version byte of a record that has had
    /// several layouts, and returns it.
    public mutating func readFormatVersion(_ supported: ClosedRange<UInt8>) throws(StoreError) -> UInt8 {
        let v = try readUInt8()
        guard supported.contains(v) else {
            let reads = supported.count == 1 ? "\(supported.lowerBound)" : "\(supported.lowerBound) to \(supported.upperBound)"
            throw corrupt("unknown record format \(v) (this Nudge reads \(reads))")
        }
        return v
    }

    /// Checks that nothing follows the record. A record is never extended
    /// in place: a new layout gets a new format version (and a schema
    /// bump), so trailing bytes can only mean damage.
    public func finish() throws(StoreError) {
        guard isAtEnd else {
            throw corrupt("\(bytes.count - offset) unexpected bytes after the record at byte \(offset)")
        }
    }

    private func truncated() -> StoreError {
        corrupt("record truncated at byte \(bytes.count)")
    }
}
