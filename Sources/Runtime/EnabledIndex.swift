import NudgeCore
import NudgeStore

/// Which users and resources have push enabled, in memory, so that the
/// host's threads can drop stanzas for everyone else without touching the
/// store. The writer keeps it in step after each commit.
final class EnabledIndex: @unchecked Sendable {
    private let monitor = Monitor()
    /// user bare JID → enablement → what the host's threads need of it.
    private var users: [String: [EnableKey: Entry]] = [:]
    private var total = 0
    /// Entries that ignore unknown senders: while none does, no held
    /// stanza needs its sender's roster state, and the host's question is
    /// answered before its JID is parsed.
    private var ignoringUnknown = 0

    private struct Entry {
        /// The resource of the session that enabled it.
        var resource: String
        /// Its group chat filter, or a Push 2.0 profile, asks for room messages.
        var roomMessages: Bool
        /// A Push 2.0 profile wants what `notify_on` drops.
        var everything: Bool
        /// A Push 2.0 registration: held stanzas carry the stanza.
        var push2: Bool
        /// It ignores senders not in the roster.
        var ignoresUnknown: Bool

        init(_ record: EnableRecord) {
            resource = record.resource
            roomMessages = record.wantsRoomMessages
            everything = record.wantsEverything
            push2 = record.push2 != nil
            ignoresUnknown = record.extensions.ignoreUnknown
        }
    }

    /// An enablement as the store holds it.
    func add(_ key: EnableKey, record: EnableRecord) {
        monitor.locked {
            let entry = Entry(record)
            let old = users[key.user, default: [:]].updateValue(entry, forKey: key)
            if old == nil { total += 1 }
            ignoringUnknown += (entry.ignoresUnknown ? 1 : 0) - (old?.ignoresUnknown == true ? 1 : 0)
        }
    }

    func remove(_ key: EnableKey) {
        monitor.locked {
            guard let old = users[key.user]?.removeValue(forKey: key) else { return }
            total -= 1
            if old.ignoresUnknown { ignoringUnknown -= 1 }
            if users[key.user]?.isEmpty == true { users[key.user] = nil }
        }
    }

    /// The user's enablements as the store now holds them, after another
    /// node sharing the store changed them.
    func replace(user: String, with enablements: [(key: EnableKey, record: EnableRecord)]) {
        monitor.locked {
            let before = users[user]?.values ?? [:].values
            total -= before.count
            ignoringUnknown -= before.filter(\.ignoresUnknown).count
            var mine: [EnableKey: Entry] = [:]
            for (key, record) in enablements {
                mine[key] = Entry(record)
            }
            users[user] = mine.isEmpty ? nil : mine
            total += mine.count
            ignoringUnknown += mine.values.filter(\.ignoresUnknown).count
        }
    }

    /// Every enablement as the store now holds them.
    func replaceAll(with enablements: [(key: EnableKey, record: EnableRecord)]) {
        var fresh: [String: [EnableKey: Entry]] = [:]
        for (key, record) in enablements {
            fresh[key.user, default: [:]][key] = Entry(record)
        }
        let ignoring = fresh.values.reduce(0) { $0 + $1.values.filter(\.ignoresUnknown).count }
        monitor.locked {
            users = fresh
            total = enablements.count
            ignoringUnknown = ignoring
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
    /// ignore senders not in the roster, so that the host should say
    /// whether the sender is in it?
    /// Does any enablement at all ignore unknown senders?
    var anyIgnoresUnknown: Bool { monitor.locked { ignoringUnknown > 0 } }

    func wantsSenderRoster(user: String, resource: String?) -> Bool {
        monitor.locked {
            users[user]?.values.contains { $0.ignoresUnknown && (resource == nil || $0.resource == resource) } ?? false
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
