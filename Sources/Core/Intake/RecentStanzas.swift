/// Remembers the last stanzas that were held, so that one stanza reported
/// twice (stored offline and archived) pushes once. Bounded: the oldest
/// key is forgotten first, which is fine because duplicates arrive within
/// moments of each other. The runtime keeps it behind a lock (host threads
/// consult it on the hot path, before the writer).
public struct RecentStanzas: Sendable {
    private var ring: [String?]
    private var next = 0
    private var members: Set<String> = []

    public init(capacity: Int = 65_536) {
        ring = Array(repeating: nil, count: capacity)
        members.reserveCapacity(capacity)
    }

    /// The key of a held stanza: its target (a user, or one resource of
    /// the user when the stanza is queued for that session) and what
    /// identifies the stanza itself.
    public static func key(user: String, resource: String?, _ held: HeldStanza) -> String {
        (resource.map { user + "/" + $0 } ?? user) + "\u{0}" + held.dedupeKey
    }

    /// Forgets a key whose stanza was not taken after all (the writer's
    /// queue was full), so the host's retry is not mistaken for a duplicate.
    public mutating func forget(_ key: String) {
        members.remove(key)
    }

    /// True the first time a key is seen (within the capacity).
    public mutating func firstSighting(_ key: String) -> Bool {
        guard members.insert(key).inserted else { return false }
        if let old = ring[next] { members.remove(old) }
        ring[next] = key
        next = (next + 1) % ring.count
        return true
    }
}
