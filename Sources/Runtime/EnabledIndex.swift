import NudgeCore
import NudgeStore

/// Which users and resources have push enabled, in memory, so that the
/// host's threads can drop stanzas for everyone else without touching the
/// store. The writer keeps it in step after each commit.
final class EnabledIndex: @unchecked Sendable {
    private let monitor = Monitor()
    /// user bare JID → enablement → the resource that made it, whether
    /// its group chat filter asks for room messages, and whether it ignores
    /// senders not in the roster.
    private var users: [String: [EnableKey: Entry]] = [:]
    private var total = 0

    private struct Entry {
        var resource: String
        var roomMessages: Bool
        var ignoresUnknown: Bool

        init(resource: String, roomMessages: Bool, ignoresUnknown: Bool) {
            self.resource = resource
            self.roomMessages = roomMessages
            self.ignoresUnknown = ignoresUnknown
        }

        /// What the index keeps of a stored enablement.
        init(_ record: EnableRecord) {
            self.init(resource: record.resource, roomMessages: record.extensions.wantsRoomMessages,
                      ignoresUnknown: record.extensions.ignoreUnknown)
        }
    }

    func add(_ key: EnableKey, resource: String, roomMessages: Bool, ignoresUnknown: Bool = false) {
        monitor.locked {
            let entry = Entry(resource: resource, roomMessages: roomMessages, ignoresUnknown: ignoresUnknown)
            if users[key.user, default: [:]].updateValue(entry, forKey: key) == nil { total += 1 }
        }
    }

    func remove(_ key: EnableKey) {
        monitor.locked {
            guard users[key.user]?.removeValue(forKey: key) != nil else { return }
            total -= 1
            if users[key.user]?.isEmpty == true { users[key.user] = nil }
        }
    }

    /// The user's enablements as the store now holds them, after another
    /// node sharing the store changed them.
    func replace(user: String, with enablements: [(key: EnableKey, record: EnableRecord)]) {
        monitor.locked {
            total -= users[user]?.count ?? 0
            var mine: [EnableKey: Entry] = [:]
            for (key, record) in enablements {
                mine[key] = Entry(record)
            }
            users[user] = mine.isEmpty ? nil : mine
            total += mine.count
        }
    }

    /// Every enablement as the store now holds them.
    func replaceAll(with enablements: [(key: EnableKey, record: EnableRecord)]) {
        var fresh: [String: [EnableKey: Entry]] = [:]
        for (key, record) in enablements {
            fresh[key.user, default: [:]][key] = Entry(record)
        }
        monitor.locked {
            users = fresh
            total = enablements.count
        }
    }

    /// With a resource: did that session enable push? Without: did any?
    func isEnabled(user: String, resource: String?) -> Bool {
        monitor.locked {
            guard let mine = users[user] else { return false }
            guard let resource else { return true }
            return mine.values.contains { $0.resource == resource }
        }
    }

    /// Does an enablement of the user (of that session, with a resource)
    /// ask for room messages that mention nobody?
    func wantsRoomMessages(user: String, resource: String?) -> Bool {
        monitor.locked {
            users[user]?.values.contains { $0.roomMessages && (resource == nil || $0.resource == resource) } ?? false
        }
    }

    /// Does an enablement of the user (of that session, with a resource)
    /// ignore senders not in the roster, so that the host should say
    /// whether the sender is in it?
    func wantsSenderRoster(user: String, resource: String?) -> Bool {
        monitor.locked {
            users[user]?.values.contains { $0.ignoresUnknown && (resource == nil || $0.resource == resource) } ?? false
        }
    }

    var userCount: Int { monitor.locked { users.count } }
    var enablementCount: Int { monitor.locked { total } }
}
