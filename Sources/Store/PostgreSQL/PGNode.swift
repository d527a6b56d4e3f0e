/// This engine as one node of several sharing the database: what it keeps
/// apart from the others, by key. Sessions (the host's, on this node) are
/// stored under `node_id 0x00 full JID`, the clean-shutdown flag under
/// `clean.<node_id>`; the core reads and writes them by their plain keys
/// and never sees another node's.
struct PGNode: Sendable {
    let id: String
    /// Seconds after its last heartbeat that a node counts as dead.
    let leaseS: Int
    private let sessionPrefix: [UInt8]
    private let cleanKey: [UInt8]

    init(id: String, leaseS: Int) {
        self.id = id
        self.leaseS = leaseS
        sessionPrefix = Array(id.utf8) + [0]
        cleanKey = Array("clean.\(id)".utf8)
    }

    /// The key as stored for the key as the core names it.
    func stored(_ table: Table, _ key: [UInt8]) -> [UInt8] {
        switch table {
        case .session: return sessionPrefix + key
        case .meta where key == Schema.MetaKey.clean: return cleanKey
        default: return key
        }
    }

    /// The prefix to scan for a scan of `prefix` as the core names it.
    func storedPrefix(_ table: Table, _ prefix: [UInt8]) -> [UInt8] {
        table == .session ? sessionPrefix + prefix : prefix
    }

    /// The key as the core names it, for a key a scan returned.
    func visible(_ table: Table, _ stored: [UInt8]) -> [UInt8] {
        table == .session ? Array(stored.dropFirst(sessionPrefix.count)) : stored
    }

    /// The session keys of the engine that had the database before nodes
    /// (no NUL in a full JID) become this node's.
    var sessionPrefixBytes: [UInt8] { sessionPrefix }

    /// A node that has not written its heartbeat within the lease.
    var liveNode: String { "n.last_seen > now() - interval '\(leaseS) seconds'" }
}
