import NudgeCore
import NudgeStore

/// Which users and resources have push enabled, in memory, so that the
/// host's threads can drop stanzas for everyone else without touching the
/// store. The writer keeps it in step after each commit.
final class EnabledIndex: @unchecked Sendable {
    private let monitor = Monitor()
    /// user bare JID → enablement → the resource that made it.
    private var users: [String: [EnableKey: String]] = [:]
    private var total = 0

    func add(_ key: EnableKey, resource: String) {
        monitor.locked {
            if users[key.user, default: [:]].updateValue(resource, forKey: key) == nil { total += 1 }
        }
    }

    func remove(_ key: EnableKey) {
        monitor.locked {
            guard users[key.user]?.removeValue(forKey: key) != nil else { return }
            total -= 1
            if users[key.user]?.isEmpty == true { users[key.user] = nil }
        }
    }

    /// With a resource: did that session enable push? Without: did any?
    func isEnabled(user: String, resource: String?) -> Bool {
        monitor.locked {
            guard let mine = users[user] else { return false }
            guard let resource else { return true }
            return mine.values.contains(resource)
        }
    }

    var userCount: Int { monitor.locked { users.count } }
    var enablementCount: Int { monitor.locked { total } }
}
