/// Identifies one enablement: a user, the app server it pushes through,
/// and the node on that app server. Keys both the `enable` and the
/// `summary` table.
///
/// Key bytes are `user 0x00 service 0x00 node`. JIDs (RFC 7622) and pubsub
/// node names cannot contain NUL, so the separator is unambiguous, and
/// because 0x00 sorts below every other byte, all keys of one user are
/// contiguous and found by a prefix scan on `user 0x00` — which, unlike a
/// scan on `user` alone, cannot match "a@xy" when asked for "a@x".
public struct EnableKey: Sendable, Equatable, Hashable {
    /// The user's bare JID.
    public var user: String
    /// The app server's JID.
    public var service: String
    /// The node on the app server.
    public var node: String

    /// Creates a key.
    public init(user: String, service: String, node: String) {
        self.user = user
        self.service = service
        self.node = node
    }

    /// Decodes key bytes read from the `enable` table.
    public init(key: [UInt8]) throws(StoreError) {
        try self.init(key: key, table: .enable)
    }

    /// Decodes key bytes read from `table`, which is named in errors.
    init(key: [UInt8], table: Table) throws(StoreError) {
        let parts = key.split(separator: 0, omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw StoreError(.corrupt, "table \(table.rawValue): key has \(parts.count) NUL-separated parts, expected 3")
        }
        var strings: [String] = []
        for part in parts {
            guard let s = String(validating: part, as: UTF8.self) else {
                throw StoreError(.corrupt, "table \(table.rawValue): invalid UTF-8 in key")
            }
            strings.append(s)
        }
        self.init(user: strings[0], service: strings[1], node: strings[2])
    }

    /// The key bytes.
    public var key: [UInt8] {
        Array(user.utf8) + [0] + Array(service.utf8) + [0] + Array(node.utf8)
    }

    /// The prefix shared by every key of `user`.
    public static func userPrefix(_ user: String) -> [UInt8] {
        Array(user.utf8) + [0]
    }

    /// The service part of a Push 2.0 registration's key, whose node is
    /// the client's id (the resource of the session that enabled it): one
    /// registration per client, whichever push service it names. No
    /// XEP-0357 enable may name it (EnableRequest refuses it).
    public static let push2Service = "urn:xmpp:push2:0"

    /// The key of a Push 2.0 registration of `user`'s client `client`.
    public static func push2(user: String, client: String) -> EnableKey {
        EnableKey(user: user, service: push2Service, node: client)
    }

    /// Whether this is a Push 2.0 registration's key.
    public var isPush2: Bool { service == Self.push2Service }

    /// Whether no part contains NUL, i.e. whether `key` decodes back to
    /// this value.
    public var isValid: Bool {
        !user.utf8.contains(0) && !service.utf8.contains(0) && !node.utf8.contains(0)
    }

    /// Throws `.invalidArgument` unless `isValid`.
    func validate(_ table: Table) throws(StoreError) {
        guard isValid else {
            throw StoreError(.invalidArgument, "table \(table.rawValue): a JID or node contains NUL")
        }
    }
}
