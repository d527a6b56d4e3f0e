/// A delivery job: a publish waiting to be sent or retried. Keyed by a
/// UInt64 big-endian sequence in the `outbox` table, so that key order is
/// creation order.
public struct OutboxRecord: Sendable, Equatable {
    /// The app server's JID.
    public var service: String
    /// The node on the app server.
    public var node: String
    /// The notification as published, serialized: what records of format 1
    /// and 2 hold. Empty when `summary` is there.
    public var payload: [UInt8]
    /// What the notification says, read when the publish was accepted, so
    /// a delivery need not parse `payload` (format 3 on); nil in older
    /// records, whose delivery reads `payload`.
    public var summary: PushSummary?
    /// Why it is sent (for logs and the restart-wake marker).
    public var reason: String
    /// Delivery priority; higher goes first.
    public var priority: UInt8
    /// Attempts made so far.
    public var attempts: UInt32
    /// Not to be attempted before this time, in milliseconds since the epoch.
    public var notBefore: Int64
    /// When the job was created, in milliseconds since the epoch.
    public var createdAt: Int64
    /// When the stanza that caused this push reached the engine (the held
    /// message; for a publish from a remote server, its acceptance), in
    /// milliseconds since the epoch: where the stanza-to-vendor latency
    /// starts. A newer summary replacing the payload keeps it, so a
    /// coalesced push is measured from its first stanza not yet pushed.
    public var stanzaAt: Int64
    /// Bumped each time a newer summary for the same device replaces the
    /// payload of this undelivered job, so a delivery of an older revision
    /// does not remove the newer one.
    public var revision: UInt32

    /// Creates a record.
    public init(service: String, node: String, payload: [UInt8], reason: String, priority: UInt8,
                attempts: UInt32, notBefore: Int64, createdAt: Int64, revision: UInt32 = 0, stanzaAt: Int64? = nil,
                summary: PushSummary? = nil) {
        self.summary = summary
        self.revision = revision
        self.stanzaAt = stanzaAt ?? createdAt
        self.service = service
        self.node = node
        self.payload = payload
        self.reason = reason
        self.priority = priority
        self.attempts = attempts
        self.notBefore = notBefore
        self.createdAt = createdAt
    }

    /// Format 2 added `stanzaAt`; a format 1 record (written before) reads
    /// it as `createdAt`, which is when its publish was accepted. Format 3
    /// added `summary`; older records read it as nil.
    static let formatVersion: UInt8 = 3

    /// The value bytes.
    public func encode() -> [UInt8] {
        Self.encode(version: Self.formatVersion) { w in
            w.writeString(service)
            w.writeString(node)
            w.writeBytes(payload)
            w.writeString(reason)
            w.writeUInt8(priority)
            w.writeVarint(UInt64(attempts))
            w.writeZigzag(notBefore)
            w.writeZigzag(createdAt)
            w.writeVarint(UInt64(revision))
            w.writeZigzag(stanzaAt)
            w.writeOptional(summary) { $1.encode(into: &$0) }
        }
    }

    /// Decodes value bytes.
    public init(decoding bytes: [UInt8]) throws(StoreError) {
        self = try Self.decode(bytes, latest: Self.formatVersion) { r, version throws(StoreError) in
            OutboxRecord(service: try r.readString(), node: try r.readString(), payload: try r.readBytes(),
                         reason: try r.readString(), priority: try r.readUInt8(),
                         attempts: try r.readVarintUInt32(), notBefore: try r.readZigzag(),
                         createdAt: try r.readZigzag(), revision: try r.readVarintUInt32(),
                         stanzaAt: try version >= 2 ? r.readZigzag() : nil,
                         summary: try version >= 3 ? r.readOptional { r throws(StoreError) in try PushSummary(from: &r) } : nil)
        }
    }

    /// The key bytes of sequence number `seq`.
    public static func key(_ seq: UInt64) -> [UInt8] {
        var w = ByteWriter()
        w.writeUInt64BE(seq)
        return w.bytes
    }

    /// Decodes the sequence number from key bytes.
    public static func sequence(key: [UInt8]) throws(StoreError) -> UInt64 {
        var r = ByteReader(key, table: .outbox)
        let seq = try r.readUInt64BE()
        try r.finish()
        return seq
    }
}

extension OutboxRecord: StoredRecord {
    static var table: Table { .outbox }
}
