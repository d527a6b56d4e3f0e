/// One enablement of push (XEP-0357 `<enable/>`), stored under an
/// `EnableKey` in the `enable` table.
public struct EnableRecord: Sendable, Equatable {
    /// The resource of the session that sent the `enable`.
    public var resource: String
    /// The publish-options form, passed on with every publish.
    public var publishOptions: [StoredField]
    /// When push was enabled, in milliseconds since the epoch.
    public var enabledAt: Int64
    /// Tigase's enable extensions the client asked for.
    public var extensions: EnableExtensions
    /// The Push 2.0 registration, when this enablement is one (its key's
    /// service is then `EnableKey.push2Service`).
    public var push2: Push2Registration?

    /// Creates a record.
    public init(resource: String, publishOptions: [StoredField], enabledAt: Int64, extensions: EnableExtensions = .none,
                push2: Push2Registration? = nil) {
        self.resource = resource
        self.publishOptions = publishOptions
        self.enabledAt = enabledAt
        self.extensions = extensions
        self.push2 = push2
    }

    /// Format 2 added `extensions`; a format 1 record reads as none.
    /// Format 3 added `extensions.ignoreUnknown` (false before).
    /// Format 4 added `push2`; older records are XEP-0357 enablements.
    static let formatVersion: UInt8 = 4

    /// The value bytes.
    public func encode() -> [UInt8] {
        Self.encode(version: Self.formatVersion) { w in
            w.writeString(resource)
            w.writeVarint(UInt64(publishOptions.count))
            for field in publishOptions {
                field.encode(into: &w)
            }
            w.writeZigzag(enabledAt)
            extensions.encode(into: &w)
            w.writeOptional(push2) { $1.encode(into: &$0) }
        }
    }

    /// Decodes value bytes.
    public init(decoding bytes: [UInt8]) throws(StoreError) {
        self = try Self.decode(bytes, latest: Self.formatVersion) { r, version throws(StoreError) in
            let resource = try r.readString()
            let count = try r.readCount()
            var fields: [StoredField] = []
            fields.reserveCapacity(count)
            for _ in 0..<count {
                fields.append(try StoredField(from: &r))
            }
            let enabledAt = try r.readZigzag()
            let extensions = version >= 2 ? try EnableExtensions(from: &r, version: version) : .none
            let push2 = version >= 4 ? try r.readOptional { r throws(StoreError) in try Push2Registration(from: &r) } : nil
            return EnableRecord(resource: resource, publishOptions: fields, enabledAt: enabledAt,
                                extensions: extensions, push2: push2)
        }
    }
}

extension EnableRecord {
    /// Does it ask for room messages that mention nobody (a group chat
    /// filter, or a Push 2.0 profile that wants more than the important)?
    public var wantsRoomMessages: Bool { extensions.wantsRoomMessages || wantsEverything }

    /// Does a Push 2.0 profile of it (`all`, `archived`) want stanzas that
    /// `notify_on` would push nowhere?
    public var wantsEverything: Bool {
        push2?.matches.contains { $0.profile == .all || $0.profile == .archived } ?? false
    }

    /// Does a Push 2.0 match of it wait out other sessions' activity?
    public var wantsGrace: Bool { push2?.matches.contains { $0.graceSeconds != nil } ?? false }
}

extension EnableRecord: StoredRecord {
    static var table: Table { .enable }
}
