import NudgeCore
import NudgeStore

/// Which users and resources have push enabled, in memory, so that the
/// host's threads can drop stanzas for everyone else without touching the
/// store. The writer keeps it in step after each commit.
final class EnabledIndex: @unchecked Sendable {
    private let monitor = Monitor()
    /// user bare JID → enablement → the resource that made it, and
    /// whether its group chat filter asks for room messages.
    private var users: [String: [EnableKey: Entry]] = [:]
    private var total = 0

    private struct Entry {
        var resource: String
        var roomMessages: Bool
        var everything: Bool
        var push2: Bool
    }

    func add(_ key: EnableKey, resource: String, roomMessages: Bool, everything: Bool = false, push2: Bool = false) {
        monitor.locked {
            let entry = Entry(resource: resource, roomMessages: roomMessages, everything: everything, push2: push2)
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

    func wants(user: String, resource: String?) -> HeldWants {
        monitor.locked {
            var wants = HeldWants()
            for e in users[user]?.values ?? [:].values where resource == nil || e.resource == resource {
                wants.roomMessages = wants.roomMessages || e.roomMessages
                wants.everything = wants.everything || e.everything
                wants.push2 = wants.push2 || e.push2
            }
            return wants
        }
    }

    /// Has the user a Push 2.0 registration?
    func hasPush2(user: String) -> Bool {
        monitor.locked { users[user]?.values.contains { $0.push2 } ?? false }
    }

    var userCount: Int { monitor.locked { users.count } }
    var enablementCount: Int { monitor.locked { total } }
}
