/// The schema version of the store and the migrations that bring an older
/// store up to it.
///
/// Every open runs `prepare` in one write transaction, so a migration
/// either completes together with the new version number or not at all.
public enum Schema {
    /// The schema this build of Nudge reads and writes.
    public static let version: UInt32 = 2

    /// A migration rewrites the store from one version to the next inside
    /// the open's write transaction. Like any write body it may run more
    /// than once, so it must only touch the store.
    public typealias Migration = @Sendable (any StoreWriter) throws -> Void

    /// Migrations keyed by the version they start from (N → N+1).
    ///
    /// 1 → 2: outbox and summary records gained a field (format 2: when
    /// the stanza behind a push arrived). Their decoders still read
    /// format 1, so nothing is rewritten; the bump is what stops an older
    /// Nudge from opening a store that holds format 2 records.
    static let migrations: [UInt32: Migration] = [1: { _ in }]

    /// Keys of the `meta` table.
    enum MetaKey {
        /// UInt32 big-endian schema version.
        static let schema: [UInt8] = Array("schema".utf8)
        /// One byte: 1 after a clean close, 0 while open (so a crash leaves 0).
        static let clean: [UInt8] = Array("clean".utf8)
        /// UInt64 big-endian: the next outbox sequence number.
        static let outboxNext: [UInt8] = Array("outbox.next".utf8)
    }

    /// What `prepare` found.
    struct Outcome: Equatable {
        var previousShutdownClean: Bool?
        var schemaCreated: Bool
        var migratedFrom: UInt32?
    }

    /// Creates the schema of a new store, or checks and migrates an existing
    /// one, and marks the store as open (not cleanly shut down).
    static func prepare(_ w: any StoreWriter, version: UInt32 = version,
                        migrations: [UInt32: Migration] = migrations) throws(StoreError) -> Outcome {
        guard let stored = try w.get(.meta, MetaKey.schema) else {
            try refuseDataWithoutSchema(w)
            try w.put(.meta, MetaKey.schema, encodeVersion(version))
            try w.put(.meta, MetaKey.clean, [0])
            return Outcome(previousShutdownClean: nil, schemaCreated: true, migratedFrom: nil)
        }
        let found = try decodeVersion(stored)
        if found > version {
            throw StoreError(.schemaTooNew,
                             "store schema \(found) is newer than this Nudge (\(version)); upgrade Nudge or restore a backup")
        }
        var current = found
        while current < version {
            guard let migration = migrations[current] else {
                throw StoreError(.corrupt, "store schema \(current) has no migration to \(current + 1)")
            }
            do {
                try migration(w)
            } catch let error as StoreError {
                throw error
            } catch {
                throw StoreError(.io, "migration of the store from schema \(current) to \(current + 1) failed: \(error)")
            }
            current += 1
            try w.put(.meta, MetaKey.schema, encodeVersion(current))
        }
        // No flag: nothing ran here before to say either way (a node
        // opening a shared store for the first time), which is not a crash.
        let clean = try w.get(.meta, MetaKey.clean).map { $0 == [1] }
        try w.put(.meta, MetaKey.clean, [0])
        return Outcome(previousShutdownClean: clean, schemaCreated: false,
                       migratedFrom: found < version ? found : nil)
    }

    /// Records a clean shutdown; the last write before closing.
    static func markClean(_ w: any StoreWriter) throws(StoreError) {
        try w.put(.meta, MetaKey.clean, [1])
    }

    /// A store whose schema key is gone but which holds data was damaged or
    /// written by something else; writing a fresh schema over it would
    /// silently reinterpret that data.
    private static func refuseDataWithoutSchema(_ w: any StoreWriter) throws(StoreError) {
        for table in Table.allCases where try w.count(table) > 0 {
            throw StoreError(.corrupt, "table meta: no schema version, but table \(table.rawValue) holds data")
        }
    }

    static func encodeVersion(_ v: UInt32) -> [UInt8] {
        var writer = ByteWriter()
        writer.writeUInt32BE(v)
        return writer.bytes
    }

    /// The `outbox.next` counter's value.
    static func decodeSequence(_ bytes: [UInt8]) throws(StoreError) -> UInt64 {
        var reader = ByteReader(bytes, table: .meta)
        let seq = try reader.readUInt64BE()
        try reader.finish()
        return seq
    }

    static func decodeVersion(_ bytes: [UInt8]) throws(StoreError) -> UInt32 {
        var reader = ByteReader(bytes, table: .meta)
        let v = try reader.readUInt32BE()
        try reader.finish()
        return v
    }
}
