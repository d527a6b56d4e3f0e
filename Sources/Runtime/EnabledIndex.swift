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
    /// Entries that ask the host for more than the stanza: while none
    /// does, the host's question is answered before its JID is parsed.
    private var asking = Asking()

    private struct Asking {
        /// Entries that ignore unknown senders (their roster state).
        var ignoringUnknown = 0
        /// Entries with a Push 2.0 grace period (their sessions' activity).
        var grace = 0

        mutating func count(_ entry: Entry?, _ by: Int) {
            guard let entry else { return }
            if entry.ignoresUnknown { ignoringUnknown += by }
            if entry.grace { grace += by }
        }

        mutating func count<S: Sequence<Entry>>(_ entries: S, _ by: Int) {
            for entry in entries { count(entry, by) }
        }
    }

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
        /// A Push 2.0 profile has a grace period.
        var grace: Bool

        init(_ record: EnableRecord) {
            resource = record.resource
            roomMessages = record.wantsRoomMessages
            everything = record.wantsEverything
            push2 = record.push2 != nil
            ignoresUnknown = record.extensions.ignoreUnknown
            grace = record.wantsGrace
        }
    }

    /// An enablement as the store holds it.
    func add(_ key: EnableKey, record: EnableRecord) {
        monitor.locked {
            let entry = Entry(record)
            let old = users[key.user, default: [:]].updateValue(entry, forKey: key)
            if old == nil { total += 1 }
            asking.count(old, -1)
            asking.count(entry, 1)
        }
    }

    func remove(_ key: EnableKey) {
        monitor.locked {
            guard let old = users[key.user]?.removeValue(forKey: key) else { return }
            total -= 1
            asking.count(old, -1)
            if users[key.user]?.isEmpty == true { users[key.user] = nil }
        }
    }

    /// The user's enablements as the store now holds them, after another
    /// node sharing the store changed them.
    func replace(user: String, with enablements: [(key: EnableKey, record: EnableRecord)]) {
        monitor.locked {
            let before = users[user]?.values ?? [:].values
            total -= before.count
            asking.count(before, -1)
            var mine: [EnableKey: Entry] = [:]
            for (key, record) in enablements {
                mine[key] = Entry(record)
            }
            users[user] = mine.isEmpty ? nil : mine
            total += mine.count
            asking.count(mine.values, 1)
        }
    }

    /// Every enablement as the store now holds them.
    func replaceAll(with enablements: [(key: EnableKey, record: EnableRecord)]) {
        var fresh: [String: [EnableKey: Entry]] = [:]
        for (key, record) in enablements {
            fresh[key.user, default: [:]][key] = Entry(record)
        }
        var counted = Asking()
        for mine in fresh.values { counted.count(mine.values, 1) }
        monitor.locked {
            users = fresh
            total = enablements.count
            asking = counted
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

    /// Does any enablement at all ignore unknown senders?
    var anyIgnoresUnknown: Bool { monitor.locked { asking.ignoringUnknown > 0 } }

    /// Does an enablement of the user (of that session, with a resource)
    /// ignore senders not in the roster, so that the host should say
    /// whether the sender is in it?
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
                wants.grace = wants.grace || e.grace
            }
            return wants
        }
    }

    /// Does any enablement at all have a Push 2.0 grace period?
    var anyWantsGrace: Bool { monitor.locked { asking.grace > 0 } }

    /// Has an enablement of the user a grace period, so that the host
    /// should report what the user's sessions send?
    func wantsGrace(user: String) -> Bool {
        monitor.locked { users[user]?.values.contains { $0.grace } ?? false }
    }

    var userCount: Int { monitor.locked { users.count } }
    var enablementCount: Int { monitor.locked { total } }
}
