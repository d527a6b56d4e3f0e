import NudgeCore
/// Remembers the last stanzas that were held, so that one stanza reported
/// twice (stored offline and archived) pushes once. Bounded: the oldest
/// key is forgotten first, which is fine because duplicates arrive within
/// moments of each other.
final class RecentStanzas: @unchecked Sendable {
    private let monitor = Monitor()
    private var ring: [String?]
    private var next = 0
    private var members: Set<String> = []

    init(capacity: Int = 65_536) {
        ring = Array(repeating: nil, count: capacity)
        members.reserveCapacity(capacity)
    }

    /// Forgets a key whose stanza was not taken after all (the writer's
    /// queue was full), so the host's retry is not mistaken for a duplicate.
    func forget(_ key: String) {
        monitor.locked { _ = members.remove(key) }
    }

    /// True the first time a key is seen (within the capacity).
    func firstSighting(_ key: String) -> Bool {
        monitor.locked {
            guard members.insert(key).inserted else { return false }
            if let old = ring[next] { members.remove(old) }
            ring[next] = key
            next = (next + 1) % ring.count
            return true
        }
    }
}
