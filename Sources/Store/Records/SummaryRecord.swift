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
    /// When the first stanza not yet pushed was held, in milliseconds
    /// since the epoch; nil when every held stanza was pushed. The push
    /// that carries it measures its stanza-to-vendor latency from here.
    public var unpushedSince: Int64?
    /// What the last stanza was, for the `type` of an encrypted push.
    public var lastKind: StanzaKind
    /// The last message was end-to-end encrypted: its body is not ours to read.
    public var lastEncrypted: Bool
    /// The last stanza's call proposal, if it was one.
    public var lastCall: CallProposal?
    /// The last stanza pushed to a Push 2.0 registration that sends it
    /// encrypted, already cut to fit a notification (Push2Payload): what
    /// a follow-up push carries.
    public var lastStanza: String?

    /// Creates a record.
    public init(messageCount: UInt32, subscriptionCount: UInt32, lastSender: String?, lastBody: String?,
                lastPushAt: Int64?, followUpAt: Int64?, burst: UInt64, unpushedSince: Int64? = nil,
                lastKind: StanzaKind = .chat, lastEncrypted: Bool = false, lastCall: CallProposal? = nil) {
        self.unpushedSince = unpushedSince
        self.lastKind = lastKind
        self.lastEncrypted = lastEncrypted
        self.lastCall = lastCall
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

    /// Format 2 added `unpushedSince`; a format 1 record reads it as nil.
    /// Format 3 added `lastKind`, `lastEncrypted` and `lastCall`; older
    /// records read as a plain chat message. Format 4 added `lastStanza`.
    static let formatVersion: UInt8 = 4

    /// The value bytes.
    public func encode() -> [UInt8] {
        Self.encode(version: Self.formatVersion) { w in
            w.writeVarint(UInt64(messageCount))
            w.writeVarint(UInt64(subscriptionCount))
            w.writeOptional(lastSender) { $0.writeString($1) }
            w.writeOptional(lastBody) { $0.writeString($1) }
            w.writeOptional(lastPushAt) { $0.writeZigzag($1) }
            w.writeOptional(followUpAt) { $0.writeZigzag($1) }
            w.writeVarint(burst)
            w.writeOptional(unpushedSince) { $0.writeZigzag($1) }
            w.writeUInt8(lastKind.rawValue)
            w.writeBool(lastEncrypted)
            w.writeOptional(lastCall) { $1.encode(into: &$0) }
            w.writeOptional(lastStanza) { $0.writeString($1) }
        }
    }

    /// Decodes value bytes.
    public init(decoding bytes: [UInt8]) throws(StoreError) {
        self = try Self.decode(bytes, latest: Self.formatVersion) { r, version throws(StoreError) in
            var s = SummaryRecord(
                messageCount: try r.readVarintUInt32(),
                subscriptionCount: try r.readVarintUInt32(),
                lastSender: try r.readOptional { r throws(StoreError) in try r.readString() },
                lastBody: try r.readOptional { r throws(StoreError) in try r.readString() },
                lastPushAt: try r.readOptional { r throws(StoreError) in try r.readZigzag() },
                followUpAt: try r.readOptional { r throws(StoreError) in try r.readZigzag() },
                burst: try r.readVarint(),
                unpushedSince: try version >= 2 ? r.readOptional { r throws(StoreError) in try r.readZigzag() } : nil)
            if version >= 3 {
                let at = r.offset
                let raw = try r.readUInt8()
                guard let kind = StanzaKind(rawValue: raw) else { throw r.corrupt("unknown stanza kind \(raw) at byte \(at)") }
                s.lastKind = kind
                s.lastEncrypted = try r.readBool()
                s.lastCall = try r.readOptional { r throws(StoreError) in try CallProposal(from: &r) }
            }
            if version >= 4 { s.lastStanza = try r.readOptional { r throws(StoreError) in try r.readString() } }
            return s
        }
    }
}

extension SummaryRecord: StoredRecord {
    static var table: Table { .summary }
}
