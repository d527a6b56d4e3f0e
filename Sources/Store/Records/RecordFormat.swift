/// The format version byte that starts every record value written by this
/// build. Records evolve by bumping it, never by appending fields.
let recordFormatVersion: UInt8 = 1

/// A record value stored in one table.
protocol StoredRecord {
    static var table: Table { get }
    func encode() -> [UInt8]
    init(decoding bytes: [UInt8]) throws(StoreError)
}

extension StoredRecord {
    /// Decodes a value, checking the format version first and trailing
    /// bytes last, so each record only describes its fields.
    static func decode(_ bytes: [UInt8], _ fields: (inout ByteReader) throws(StoreError) -> Self) throws(StoreError) -> Self {
        var reader = ByteReader(bytes, table: table)
        try reader.readFormatVersion(recordFormatVersion)
        let record = try fields(&reader)
        try reader.finish()
        return record
    }

    /// Decodes a value whose record has had more than one layout: `fields`
    /// gets the format version it was written with, one of `1...latest`.
    static func decode(_ bytes: [UInt8], latest: UInt8,
                       _ fields: (inout ByteReader, UInt8) throws(StoreError) -> Self) throws(StoreError) -> Self {
        var reader = ByteReader(bytes, table: table)
        let version = try reader.readFormatVersion(1...latest)
        let record = try fields(&reader, version)
        try reader.finish()
        return record
    }

    /// Encodes a value behind the format version byte (`version`: a
    /// record's own newer layout).
    static func encode(version: UInt8 = recordFormatVersion, _ fields: (inout ByteWriter) -> Void) -> [UInt8] {
        var writer = ByteWriter()
        writer.writeUInt8(version)
        fields(&writer)
        return writer.bytes
    }
}
