import NudgeXMPP
import NudgeStore

/// Which held stanzas a Push 2.0 registration pushes: its `<match/>`
/// profiles, each with its grace period and chat filters.
///
/// - `all`: every stanza the classifier would push with `notify_on: all`;
/// - `important`: what this server finds important (messages with a body,
///   encrypted messages, calls, subscription requests, mentions and replies
///   in rooms);
/// - `archived`: whatever the user's archive kept (it has an archive id
///   `by` the user, or the host said it archived it);
/// - `archived-with-body`: of those, messages with a body or encrypted.
extension Push2Registration {
    /// The match the stanza pushes by, one that sends it encrypted first;
    /// nil when none does. `activeElsewhere(s)`: did another session of
    /// the user show activity within `s` seconds?
    func admit(_ held: HeldStanza, user: JID, activeElsewhere: (UInt32) -> Bool) -> Match? {
        var chosen: Match?
        for m in matches where m.admits(held, user: user, activeElsewhere) {
            if case .encrypted = m.send { return m }
            if chosen == nil { chosen = m }
        }
        return chosen
    }

    /// The notification's `<priority/>`: calls are high, what the user
    /// should read is normal, the rest low.
    static func priority(_ reason: PushReason) -> String {
        switch reason {
        case .call: return "high"
        case .message, .encrypted, .mention, .followUp, .restartWake, .timeoutWake, .test: return "normal"
        case .subscription, .other: return "low"
        }
    }

    /// A Jingle Message Initiation proposal, or the caller's retraction:
    /// a VoIP push (the user's own answer on another device is none).
    static func isVoIP(_ call: CallProposal?, user: JID) -> Bool {
        guard let call else { return false }
        guard call.ended else { return true }
        return (try? JID(call.caller))?.bare != user.bare
    }
}

extension Push2Registration.Match {
    func admits(_ held: HeldStanza, user: JID, _ activeElsewhere: (UInt32) -> Bool) -> Bool {
        let ownCallEnd = held.call?.ended == true && !Push2Registration.isVoIP(held.call, user: user)
        let important = !held.onlyByRoomFilter && !held.onlyForMatchAll && held.reason != .other && !ownCallEnd
        switch profile {
        case .all: break
        case .important: guard important else { return false }
        case .archived: guard held.archived else { return false }
        case .archivedWithBody:
            guard held.archived, held.reason == .encrypted || !(held.body ?? "").isEmpty else { return false }
        }
        if let chat = filter(for: held.sender) {
            guard (chat.mention && held.mentionsUser) || (chat.reply && held.repliesToUser) else { return false }
        }
        // Calls ring whatever the user does elsewhere.
        if let grace = graceSeconds, held.reason != .call, activeElsewhere(grace) { return false }
        return true
    }

    /// The filter naming the sender's chat: its bare JID (a room's for a
    /// room message), else its domain.
    func filter(for sender: String?) -> Push2Registration.Filter? {
        guard !filters.isEmpty, let sender, let jid = try? JID(sender) else { return nil }
        let bare = jid.bare.description
        return filters.first { $0.jid == bare } ?? filters.first { $0.jid == jid.domain }
    }
}
