/// What happened since the last push of one enablement, for coalescing
/// and for the summary a push carries. Keyed by `EnableKey` in the
/// `summary` table.
public struct SummaryRecord: Sendable, Equatable {
    /// Messages held since the summary was reset.
    public var messageCount: UInt32
    /// Subscription requests held since the summary was reset.
    public var subscriptionCount: UInt32
    /// The bare JID of the last sender.
    public var lastSender: String?
    /// The last message body.
    public var lastBody: String?
    /// When the last push was published, in milliseconds since the epoch.
    public var lastPushAt: Int64?
    /// When the pending follow-up push is due, in milliseconds since the epoch.
    public var followUpAt: Int64?
    /// The coalescing burst counter, which names the collapse id.
    public var burst: UInt64

    /// Creates a record.
    public init(messageCount: UInt32, subscriptionCount: UInt32, lastSender: String?, lastBody: String?,
                lastPushAt: Int64?, followUpAt: Int64?, burst: UInt64) {
        self.messageCount = messageCount
        self.subscriptionCount = subscriptionCount
        self.lastSender = lastSender
        self.lastBody = lastBody
        self.lastPushAt = lastPushAt
        self.followUpAt = followUpAt
        self.burst = burst
    }

    /// A summary with nothing in it.
    public static let empty = SummaryRecord(messageCount: 0, subscriptionCount: 0, lastSender: nil, lastBody: nil,
                                            lastPushAt: nil, followUpAt: nil, burst: 0)

    /// The value bytes.
    public func encode() -> [UInt8] {
        Self.encode { w in
            w.writeVarint(UInt64(messageCount))
            w.writeVarint(UInt64(subscriptionCount))
            w.writeOptional(lastSender) { $0.writeString($1) }
            w.writeOptional(lastBody) { $0.writeString($1) }
            w.writeOptional(lastPushAt) { $0.writeZigzag($1) }
            w.writeOptional(followUpAt) { $0.writeZigzag($1) }
            w.writeVarint(burst)
        }
    }

    /// Decodes value bytes.
    public init(decoding bytes: [UInt8]) throws(StoreError) {
        self = try Self.decode(bytes) { r throws(StoreError) in
            SummaryRecord(
                messageCount: try r.readVarintUInt32(),
                subscriptionCount: try r.readVarintUInt32(),
                lastSender: try r.readOptional { r throws(StoreError) in try r.readString() },
                lastBody: try r.readOptional { r throws(StoreError) in try r.readString() },
                lastPushAt: try r.readOptional { r throws(StoreError) in try r.readZigzag() },
                followUpAt: try r.readOptional { r throws(StoreError) in try r.readZigzag() },
                burst: try r.readVarint())
        }
    }
}

extension SummaryRecord: StoredRecord {
    static var table: Table { .summary }
}
