import NudgeXMPP
import NudgeStore

/// Tigase's push filters, per enablement, as Tigase's `MutedFilter` and
/// `GroupchatFilter` apply them: a muted JID (for a room, the room's bare
/// JID) pushes nothing; with a group chat filter, a room message pushes
/// only as its room's rule says, and a room the filter does not list
/// pushes nothing. With `ignore-unknown`, as Tigase's
/// `IgnoreFromUnknownFilter`, a sender the host says is not in the roster
/// (or is there with only an incoming subscription request) pushes
/// nothing, group chats excepted; a stanza the host did not look up pushes.
/// The end of a call (`tigase:push:jingle:0`) pushes only where the client
/// asked for Jingle pushes.
extension EnableExtensions {
    /// The reason this enablement pushes `held` for, or nil when it pushes
    /// nothing. A room message let through by `always` is a message of its
    /// own, as one that `mentioned` lets through is a mention.
    func admit(_ held: HeldStanza) -> PushReason? {
        if held.onlyForMatchAll { return nil }
        // Only a client that takes calls through VoIP pushes wants to hear
        // that one ended.
        if held.call?.ended == true && !jingle { return nil }
        let from = held.sender.flatMap { try? JID($0) }?.bare.description
        if let from, muted.contains(from) { return nil }
        if ignoreUnknown && held.kind != .groupchat && held.fromStranger == true { return nil }
        guard held.kind == .groupchat, let rooms else {
            return held.onlyByRoomFilter ? nil : held.reason
        }
        guard let from, let rule = rooms.first(where: { $0.room == from }) else { return nil }
        switch rule.allow {
        case .never:
            return nil
        case .always:
            return held.reason == .other && held.body != nil ? .message : held.reason
        case .mentioned:
            if held.reason == .mention { return .mention }
            // An encrypted message is judged by its references alone: the
            // Classifier marks one that mentions the user as not needing
            // the filter.
            if held.reason == .encrypted { return held.onlyByRoomFilter ? nil : .encrypted }
            guard let nick = rule.nick, Classifier.mentionsNick(held.body, nick) else { return nil }
            return .mention
        }
    }
}
