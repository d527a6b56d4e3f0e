import NudgeCore
/// A user's nickname per group chat, as the host reports joins, so that
/// mentions can be recognised. Memory only: sessions rejoin rooms anyway.
final class RoomNicks: @unchecked Sendable {
    private let monitor = Monitor()
    private var nicks: [String: String] = [:]

    private static func key(_ user: String, _ room: String) -> String { user + "\u{0}" + room }

    func set(user: String, room: String, nick: String?) {
        monitor.locked { nicks[Self.key(user, room)] = nick }
    }

    func nick(user: String, room: String) -> String? {
        monitor.locked { nicks[Self.key(user, room)] }
    }
}
