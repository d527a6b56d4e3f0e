/// When each session of a user last showed its user at the device
/// (`SessionActivity.showsUser`), for Push 2.0 grace periods. Memory only:
/// it is about the last few minutes, so a restart that drops every session
/// loses nothing worth a store write per message. Only users with a grace
/// period are noted, and a closed session is forgotten.
public struct ActivityTable: Sendable {
    /// user bare JID → resource → last activity.
    private var users: [String: [String: Millis]] = [:]
    /// No grace period is longer: older entries can be dropped.
    private let horizon: Millis

    public init() { self.init(horizonSeconds: Push2EnableRequest.maxGraceSeconds) }

    init(horizonSeconds: UInt32) {
        horizon = Millis(horizonSeconds) * 1000
    }

    public mutating func note(user: String, resource: String, at now: Millis) {
        var mine = users[user, default: [:]].filter { now - $0.value < horizon }
        mine[resource] = now
        users[user] = mine
    }

    public mutating func forget(user: String, resource: String) {
        guard users[user]?.removeValue(forKey: resource) != nil else { return }
        if users[user]?.isEmpty == true { users[user] = nil }
    }

    /// The user's sessions' last activity, none older than the horizon.
    public func recent(user: String, now: Millis) -> [String: Millis] {
        users[user]?.filter { now - $0.value < horizon } ?? [:]
    }

    public var userCount: Int { users.count }
}
