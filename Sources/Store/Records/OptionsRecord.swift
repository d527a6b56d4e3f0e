/// A user's content options (`urn:xmpp:push:options`): what a push may
/// reveal. Keyed by the user's bare JID in the `options` table.
public struct OptionsRecord: Sendable, Equatable {
    /// Whether pushes name the last sender.
    public var includeSenders: Bool
    /// Whether pushes carry the count of pending messages.
    public var includeMessageCount: Bool
    /// Whether pushes carry the count of pending subscription requests.
    public var includeSubscriptionCount: Bool
    /// Whether pushes carry the last message body.
    public var includeMessageBodies: Bool

    /// Creates a record.
    public init(includeSenders: Bool, includeMessageCount: Bool,
                includeSubscriptionCount: Bool, includeMessageBodies: Bool) {
        self.includeSenders = includeSenders
        self.includeMessageCount = includeMessageCount
        self.includeSubscriptionCount = includeSubscriptionCount
        self.includeMessageBodies = includeMessageBodies
    }

    /// The value bytes.
    public func encode() -> [UInt8] {
        Self.encode { w in
            w.writeBool(includeSenders)
            w.writeBool(includeMessageCount)
            w.writeBool(includeSubscriptionCount)
            w.writeBool(includeMessageBodies)
        }
    }

    /// Decodes value bytes.
    public init(decoding bytes: [UInt8]) throws(StoreError) {
        self = try Self.decode(bytes) { r throws(StoreError) in
            OptionsRecord(includeSenders: try r.readBool(),
                          includeMessageCount: try r.readBool(),
                          includeSubscriptionCount: try r.readBool(),
                          includeMessageBodies: try r.readBool())
        }
    }
}

extension OptionsRecord: StoredRecord {
    static var table: Table { .options }
}
