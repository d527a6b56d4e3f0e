/// One enablement of push (XEP-0357 `<enable/>`), stored under an
/// `EnableKey` in the `enable` table.
public struct EnableRecord: Sendable, Equatable {
    /// The resource of the session that sent the `enable`.
    public var resource: String
    /// The publish-options form, passed on with every publish.
    public var publishOptions: [StoredField]
    /// When push was enabled, in milliseconds since the epoch.
    public var enabledAt: Int64

    /// Creates a record.
    public init(resource: String, publishOptions: [StoredField], enabledAt: Int64) {
        self.resource = resource
        self.publishOptions = publishOptions
        self.enabledAt = enabledAt
    }

    /// The value bytes.
    public func encode() -> [UInt8] {
        Self.encode { w in
            w.writeString(resource)
            w.writeVarint(UInt64(publishOptions.count))
            for field in publishOptions {
                field.encode(into: &w)
            }
            w.writeZigzag(enabledAt)
        }
    }

    /// Decodes value bytes.
    public init(decoding bytes: [UInt8]) throws(StoreError) {
        self = try Self.decode(bytes) { r throws(StoreError) in
            let resource = try r.readString()
            let count = try r.readCount()
            var fields: [StoredField] = []
            fields.reserveCapacity(count)
            for _ in 0..<count {
                fields.append(try StoredField(from: &r))
            }
            return EnableRecord(resource: resource, publishOptions: fields, enabledAt: try r.readZigzag())
        }
    }
}

extension EnableRecord: StoredRecord {
    static var table: Table { .enable }
}
