/// A device registered at the app server (XEP-0357's "app server" half),
/// stored under its pubsub node name in the `reg` table.
public struct RegRecord: Sendable, Equatable {
    /// The vendor: "apns", "fcm", "webpush", "wns" or "ubuntu".
    public var vendor: String
    /// The configured app the device belongs to (a backend's `app`).
    public var app: String
    /// What the vendor addresses the device by: an APNs token in hex, an
    /// FCM registration token, a Web Push endpoint, a WNS channel URI.
    public var token: String
    /// Vendor-specific extras (Web Push keys `p256dh` and `auth`, an
    /// UBports `application-id`).
    public var extra: [StoredField]
    /// SHA-256 of the node's secret: a copy of the store does not give
    /// away the secrets that authorise publishes.
    public var secretDigest: [UInt8]
    /// The digest of the secret before the last re-registration, also
    /// accepted: enablements made with it keep working until the client
    /// enables again with the new one.
    public var previousSecretDigest: [UInt8]
    /// The bare JID that registered the device.
    public var owner: String
    public var deviceID: String
    public var deviceName: String?
    public var createdAt: Int64
    /// When the token was last (re-)registered: a vendor's "token gone"
    /// older than this is about a token the device has replaced.
    public var updatedAt: Int64

    public init(vendor: String, app: String, token: String, extra: [StoredField], secretDigest: [UInt8],
                owner: String, deviceID: String, deviceName: String?, createdAt: Int64, updatedAt: Int64,
                previousSecretDigest: [UInt8] = []) {
        self.previousSecretDigest = previousSecretDigest
        self.vendor = vendor
        self.app = app
        self.token = token
        self.extra = extra
        self.secretDigest = secretDigest
        self.owner = owner
        self.deviceID = deviceID
        self.deviceName = deviceName
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public func extra(_ name: String) -> String? { extra.first { $0.name == name }?.values.first }

    public func encode() -> [UInt8] {
        Self.encode { w in
            w.writeString(vendor)
            w.writeString(app)
            w.writeString(token)
            w.writeVarint(UInt64(extra.count))
            for field in extra { field.encode(into: &w) }
            w.writeBytes(secretDigest)
            w.writeString(owner)
            w.writeString(deviceID)
            w.writeOptional(deviceName) { $0.writeString($1) }
            w.writeZigzag(createdAt)
            w.writeZigzag(updatedAt)
            w.writeBytes(previousSecretDigest)
        }
    }

    public init(decoding bytes: [UInt8]) throws(StoreError) {
        self = try Self.decode(bytes) { r throws(StoreError) in
            let vendor = try r.readString()
            let app = try r.readString()
            let token = try r.readString()
            let count = try r.readCount()
            var extra: [StoredField] = []
            for _ in 0..<count { extra.append(try StoredField(from: &r)) }
            return RegRecord(vendor: vendor, app: app, token: token, extra: extra, secretDigest: try r.readBytes(),
                             owner: try r.readString(), deviceID: try r.readString(),
                             deviceName: try r.readOptional { r throws(StoreError) in try r.readString() },
                             createdAt: try r.readZigzag(), updatedAt: try r.readZigzag(),
                             previousSecretDigest: try r.readBytes())
        }
    }
}

extension RegRecord: StoredRecord {
    static var table: Table { .reg }
}

/// The key of `reg_owner`: owner bare JID, NUL, device id. It finds a
/// user's registrations (and one device's) without scanning every node.
public enum RegOwnerKey {
    public static func key(owner: String, deviceID: String) -> [UInt8] {
        Array(owner.utf8) + [0] + Array(deviceID.utf8)
    }
    public static func ownerPrefix(_ owner: String) -> [UInt8] { Array(owner.utf8) + [0] }
}
