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

    /// Creates a record.
    public init(resource: String, publishOptions: [StoredField], enabledAt: Int64, extensions: EnableExtensions = .none) {
        self.resource = resource
        self.publishOptions = publishOptions
        self.enabledAt = enabledAt
        self.extensions = extensions
    }

    /// Format 2 added `extensions`; a format 1 record reads as none.
    /// Format 3 added `extensions.ignoreUnknown` (false before).
    static let formatVersion: UInt8 = 3

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
            return EnableRecord(resource: resource, publishOptions: fields, enabledAt: enabledAt,
                                extensions: version >= 2 ? try EnableExtensions(from: &r, version: version) : .none)
        }
    }
}

extension EnableRecord: StoredRecord {
    static var table: Table { .enable }
}
