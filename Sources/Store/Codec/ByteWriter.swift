/// Builds the bytes of a record value or key.
///
/// Values use compact variable-length integers; keys use fixed big-endian
/// integers because only those sort in numeric order under LMDB's
/// byte-wise comparison.
public struct ByteWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]

    /// Creates an empty writer.
    public init() {
        bytes = []
    }

    /// Appends one byte.
    public mutating func writeUInt8(_ v: UInt8) {
        bytes.append(v)
    }

    /// Appends a boolean as one byte, 0 or 1.
    public mutating func writeBool(_ v: Bool) {
        bytes.append(v ? 1 : 0)
    }

    /// Appends an unsigned LEB128 varint (1 to 10 bytes).
    public mutating func writeVarint(_ v: UInt64) {
        var rest = v
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// Appends a signed integer as a zigzag varint, so that small negative
    /// numbers stay short.
    public mutating func writeZigzag(_ v: Int64) {
        writeVarint(UInt64(bitPattern: (v << 1) ^ (v >> 63)))
    }

    /// Appends a length-prefixed byte string.
    public mutating func writeBytes(_ v: [UInt8]) {
        writeVarint(UInt64(v.count))
        bytes.append(contentsOf: v)
    }

    /// Appends a length-prefixed UTF-8 string.
    public mutating func writeString(_ v: String) {
        writeBytes(Array(v.utf8))
    }

    /// Appends a presence byte (0 absent, 1 present) and, when present, the
    /// value written by `write`.
    public mutating func writeOptional<T>(_ v: T?, _ write: (inout ByteWriter, T) -> Void) {
        guard let v else {
            bytes.append(0)
            return
        }
        bytes.append(1)
        write(&self, v)
    }

    /// Appends a UInt32 as 4 big-endian bytes.
    public mutating func writeUInt32BE(_ v: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: v >> UInt32(shift)))
        }
    }

    /// Appends a UInt64 as 8 big-endian bytes.
    public mutating func writeUInt64BE(_ v: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(shift)))
        }
    }
}
