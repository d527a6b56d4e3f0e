import NudgeXMPP

/// A user's nickname per group chat, as the host reports joins, so that
/// mentions can be recognised. Memory only: sessions rejoin rooms anyway.
/// The runtime keeps it behind a lock.
public struct RoomNicks: Sendable {
    private var nicks: [String: String] = [:]

    public init() {}

    private static func key(_ user: String, _ room: String) -> String { user + "\u{0}" + room }

    /// Sets (or, with nil, forgets) `user`'s nickname in `room` (bare JIDs).
    public mutating func set(user: String, room: String, nick: String?) {
        nicks[Self.key(user, room)] = nick
    }

    public func nick(user: String, room: String) -> String? {
        nicks[Self.key(user, room)]
    }

    /// The nickname that a held stanza could mention: the user's in the
    /// room a groupchat message comes from (delivered as such or as a
    /// MucSub event); nil for anything else.
    public func nick(for held: Element, user: String) -> String? {
        let stanza = MucSubMessage.unwrap(held) ?? held
        guard stanza[attribute: "type"] == "groupchat",
              let room = stanza[attribute: "from"].flatMap({ try? JID($0) }) else { return nil }
        return nick(user: user, room: room.bare.description)
    }
}
