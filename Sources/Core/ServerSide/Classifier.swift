import NudgeXMPP
import NudgeStore

/// What a held stanza means for a push, decided from the stanza alone (and
/// the recipient's nickname in a group chat).
public struct HeldStanza: Sendable, Equatable {
    public var reason: PushReason
    /// The sender as the user would recognise it (bare JID, or room/nick).
    public var sender: String?
    /// The plain-text body, only for unencrypted messages: an encrypted
    /// message's body is a fallback text that must not end up in a push.
    public var body: String?
    /// The same stanza reported twice (stored offline and archived) must
    /// push once; this is how it is recognised.
    public var dedupeKey: String
    /// What an encrypted push names as its `type`.
    public var kind: StanzaKind = .chat
    /// A Jingle call proposal's id, caller and media.
    public var call: CallProposal?
    /// A room message that `notify_on` alone would not push: it pushes only
    /// where a group chat filter (`tigase:push:filter:groupchat:0`) asks
    /// for the room's messages.
    public var onlyByRoomFilter = false
    /// Whether the sender is in the user's roster, as the host said
    /// (`tigase:push:filter:ignore-unknown:0`): true for a stranger, false
    /// for a contact, nil when the host did not look.
    public var fromStranger: Bool?
    /// A stanza only a Push 2.0 `urn:xmpp:push2:match:all` (or `archived`)
    /// registration asked for: `notify_on` would push it nowhere else.
    public var onlyForMatchAll = false
    /// The message mentions the user (XEP-0372 reference, nickname or JID).
    public var mentionsUser = false
    /// The message is a XEP-0461 reply to one of the user's.
    public var repliesToUser = false
    /// The XEP-0359 id the user's archive gave it (`<stanza-id by=user>`).
    public var archiveID: String?
    /// It is in the user's archive (an archive id, or the host said so).
    public var archived = false
    /// The stanza itself, for Push 2.0 registrations that push it
    /// encrypted; the engine attaches it only for their users.
    public var stanza: Element?
    /// When each of the user's sessions (by resource) last showed its user
    /// at the device (`SessionActivity`), as the host thread knew it when
    /// the stanza came: a Push 2.0 `<grace/>` reads it. The engine attaches
    /// it only for users whose enablements have a grace period.
    public var activeAt: [String: Millis] = [:]

    public init(reason: PushReason, sender: String?, body: String?, dedupeKey: String, kind: StanzaKind = .chat,
                call: CallProposal? = nil, onlyByRoomFilter: Bool = false) {
        self.reason = reason
        self.sender = sender
        self.body = body
        self.dedupeKey = dedupeKey
        self.kind = kind
        self.call = call
        self.onlyByRoomFilter = onlyByRoomFilter
    }
}

/// What the enablements of a user (or of one session) ask the host
/// thread for, beyond what `notify_on` pushes.
public struct HeldWants: Sendable, Equatable {
    /// Room messages that mention nobody.
    public var roomMessages = false
    /// Stanzas `notify_on` drops (Push 2.0 `all`, `archived`).
    public var everything = false
    /// The stanza itself (a Push 2.0 registration sends it).
    public var push2 = false
    /// When the user's sessions were last active (a Push 2.0 `<grace/>`).
    public var grace = false

    public init(roomMessages: Bool = false, everything: Bool = false, push2: Bool = false, grace: Bool = false) {
        self.roomMessages = roomMessages
        self.everything = everything
        self.push2 = push2
        self.grace = grace
    }

    /// What `record` adds.
    public mutating func add(_ record: EnableRecord) {
        roomMessages = roomMessages || record.wantsRoomMessages
        everything = everything || record.wantsEverything
        push2 = push2 || record.push2 != nil
        grace = grace || record.wantsGrace
    }
}

/// Decides whether a stanza held for a user deserves a push. Pure: no
/// store, no clock, so it can run on the host's thread for every stanza.
public struct Classifier: Sendable {
    public var notifyOn: Config.NotifyOn

    public init(notifyOn: Config.NotifyOn) { self.notifyOn = notifyOn }

    /// - Parameters:
    ///   - user: the recipient's bare JID (for mentions by JID).
    ///   - roomNick: the recipient's nickname in the room the stanza comes
    ///     from, when it is a group-chat message and the host told us.
    ///   - roomMessages: some enablement of the user has a group chat
    ///     filter that asks for room messages mentioning nobody; those then
    ///     come back marked `onlyByRoomFilter` instead of nil.
    public func classify(_ stanza: Element, user: JID, roomNick: String?, roomMessages: Bool = false) -> HeldStanza? {
        switch stanza.name {
        case "message":
            guard var held = classifyMessage(stanza, user: user, roomNick: roomNick, roomMessages: roomMessages) else { return nil }
            held.archiveID = Self.archiveID(stanza, user: user)
            held.archived = held.archiveID != nil
            return held
        case "presence":
            guard stanza[attribute: "type"] == "subscribe" else { return nil }
            return HeldStanza(reason: .subscription, sender: bareSender(stanza), body: nil,
                              dedupeKey: dedupeKey(stanza), kind: .subscribe)
        default: return nil
        }
    }

    /// `classify` as the engine's host thread calls it for a user whose
    /// enablements want `wants`: what only Push 2.0's `all` and `archived`
    /// profiles ask for comes back marked `onlyForMatchAll`, the stanza
    /// itself when a Push 2.0 registration sends it, and `archived` when
    /// the host said the stanza went to the user's archive.
    public func classify(_ stanza: Element, user: JID, roomNick: String?, wants: HeldWants, archivedByHost: Bool) -> HeldStanza? {
        var held = classify(stanza, user: user, roomNick: roomNick, roomMessages: wants.roomMessages)
        if held == nil && wants.everything && notifyOn != .all {
            held = Classifier(notifyOn: .all).classify(stanza, user: user, roomNick: roomNick, roomMessages: true)
            held?.onlyForMatchAll = true
        }
        if archivedByHost { held?.archived = true }
        if wants.push2 { held?.stanza = stanza }
        return held
    }

    private func classifyMessage(_ held: Element, user: JID, roomNick: String?, roomMessages: Bool) -> HeldStanza? {
        // A room's message to a subscriber who is not in the room (MucSub).
        let original = MucSubMessage.unwrap(held) ?? held
        let type = original[attribute: "type"] ?? "normal"
        if type == "error" { return nil }
        var message = original
        // Carbons: a copy of what the user sent from another device never
        // wakes this one; a copy of what the user received is judged by the
        // message inside it.
        if message.child("sent", namespace: NS.carbons) != nil { return nil }
        if let received = message.child("received", namespace: NS.carbons) {
            guard let inner = received.child("forwarded", namespace: NS.forward)?.child("message") else { return nil }
            message = inner
        }
        // A MAM result is an answer to the user's own query.
        if message.child("result", namespace: NS.mam) != nil { return nil }

        let key = dedupeKey(message)
        let body = message.child("body")?.text
        let hasBody = !(body ?? "").allSatisfy { $0.isWhitespace }
        let groupchat = type == "groupchat"
        let sender = groupchat ? message[attribute: "from"] : bareSender(message)
        let kind: StanzaKind = groupchat ? .groupchat : .chat

        if let propose = message.child("propose", namespace: NS.jingleMessage) {
            return HeldStanza(reason: .call, sender: sender, body: nil, dedupeKey: key, kind: .call,
                              call: Self.proposal(propose, from: message[attribute: "from"]))
        }
        if let end = Self.callEnd(message, user: user) {
            return HeldStanza(reason: .call, sender: sender, body: nil, dedupeKey: key, kind: .call, call: end)
        }
        let replies = Self.repliesTo(message, user: user, nick: roomNick)
        if Self.isEncrypted(message) {
            let mentioned = groupchat && mentions(message, body: nil, user: user, nick: roomNick)
            if groupchat, !mentioned, !replies, notifyOn == .important {
                guard roomMessages else { return nil }
                return HeldStanza(reason: .encrypted, sender: sender, body: nil, dedupeKey: key, kind: kind, onlyByRoomFilter: true)
            }
            var held = HeldStanza(reason: .encrypted, sender: sender, body: nil, dedupeKey: key, kind: kind)
            held.mentionsUser = mentioned
            held.repliesToUser = replies
            return held
        }
        if groupchat {
            guard hasBody else { return other(sender, key, kind: kind) }
            let mentioned = mentions(message, body: body, user: user, nick: roomNick)
            // A reply to the user is addressed to the user, as a mention is.
            if mentioned || replies {
                var held = HeldStanza(reason: .mention, sender: sender, body: body, dedupeKey: key, kind: kind)
                held.mentionsUser = mentioned
                held.repliesToUser = replies
                return held
            }
            if notifyOn == .important && roomMessages {
                return HeldStanza(reason: .other, sender: sender, body: body, dedupeKey: key, kind: kind, onlyByRoomFilter: true)
            }
            return other(sender, key, body: body, kind: kind)
        }
        if hasBody {
            var held = HeldStanza(reason: .message, sender: sender, body: body, dedupeKey: key)
            held.repliesToUser = replies
            return held
        }
        // Chat states, receipts, markers and other body-less messages.
        return other(sender, key)
    }

    private func other(_ sender: String?, _ key: String, body: String? = nil, kind: StanzaKind = .chat) -> HeldStanza? {
        notifyOn == .all ? HeldStanza(reason: .other, sender: sender, body: body, dedupeKey: key, kind: kind) : nil
    }

    /// A XEP-0353 proposal: its id is the Jingle session's, its RTP
    /// descriptions name the media; the caller's full JID is the resource
    /// to answer.
    static func proposal(_ propose: Element, from: String?) -> CallProposal? {
        guard let sid = propose[attribute: "id"], !sid.isEmpty, let from else { return nil }
        var media: [String] = []
        for d in propose.children("description", namespace: NS.jingleRTP) {
            if let m = d[attribute: "media"], !m.isEmpty, !media.contains(m) { media.append(m) }
        }
        return CallProposal(sid: sid, caller: from, media: media)
    }

    /// The end of a proposed call, which Tigase pushes (its
    /// `JinglePushNotificationsExtension`) so that a phone stops ringing:
    /// the caller's `<retract/>`, or the user's own `<accept/>`,
    /// `<proceed/>` or `<reject/>` from another device.
    static func callEnd(_ m: Element, user: JID) -> CallProposal? {
        guard let from = m[attribute: "from"], let fromJID = try? JID(from) else { return nil }
        let own = fromJID.bare == user.bare
        for e in m.elements where e.namespace == NS.jingleMessage {
            guard let sid = e[attribute: "id"], !sid.isEmpty else { continue }
            switch e.name {
            case "retract" where !own: return CallProposal(sid: sid, caller: from, media: [], ended: true)
            case "accept", "proceed", "reject":
                if own { return CallProposal(sid: sid, caller: from, media: [], ended: true) }
            default: break
            }
        }
        return nil
    }

    /// Whether `body` mentions `nick` as a word of its own (a group chat
    /// filter's `mentioned` rule, with the nickname the client gave).
    static func mentionsNick(_ body: String?, _ nick: String) -> Bool {
        guard let body else { return false }
        return containsWord(body, nick)
    }

    /// The id of the user's own archive (`by` the user's bare JID), which
    /// Push 2.0's `archived` profiles match on and a cut payload keeps.
    static func archiveID(_ m: Element, user: JID) -> String? {
        let by = user.bare.description
        for sid in m.children("stanza-id", namespace: NS.stanzaID) where sid[attribute: "by"] == by {
            if let id = sid[attribute: "id"], !id.isEmpty { return id }
        }
        return nil
    }

    /// A XEP-0461 reply to the user: `to` names the user's JID, or in a
    /// room the user's occupant JID.
    static func repliesTo(_ m: Element, user: JID, nick: String?) -> Bool {
        guard let to = m.child("reply", namespace: NS.reply)?[attribute: "to"], let jid = try? JID(to) else { return false }
        if jid.bare == user.bare { return true }
        guard let nick, let from = m[attribute: "from"], let room = try? JID(from).bare else { return false }
        return jid.bare == room && jid.resource == nick
    }

    static func isEncrypted(_ m: Element) -> Bool {
        if let omemo = m.child("encrypted", namespace: NS.omemoLegacy) ?? m.child("encrypted", namespace: NS.omemo2) {
            // Without a payload it is a key-transport element that sets up
            // a session: nothing for the user to read.
            return omemo.child("payload") != nil
        }
        return m.child("openpgp", namespace: NS.openpgp) != nil || m.child("x", namespace: NS.legacyPGP) != nil
    }

    private func mentions(_ m: Element, body: String?, user: JID, nick: String?) -> Bool {
        let userURI = "xmpp:" + user.bare.description
        for ref in m.children("reference", namespace: NS.reference) where ref[attribute: "type"] == "mention" {
            if let uri = ref[attribute: "uri"], uri == userURI || uri.hasPrefix(userURI + "?") { return true }
            if let nick, let uri = ref[attribute: "uri"], let from = m[attribute: "from"],
               let room = try? JID(from).bare, uri == "xmpp:\(room)/\(nick)" { return true }
        }
        guard let body, !body.isEmpty else { return false }
        if let nick, !nick.isEmpty, Self.containsWord(body, nick) { return true }
        return Self.containsWord(body, user.bare.description)
    }

    /// `nick` as a word of its own, so that "al" is not mentioned by "also".
    private static func containsWord(_ text: String, _ word: String) -> Bool {
        let t = Array(text.lowercased().unicodeScalars), w = Array(word.lowercased().unicodeScalars)
        guard w.count <= t.count, !w.isEmpty else { return false }
        func isWordScalar(_ s: Unicode.Scalar) -> Bool { s.properties.isAlphabetic || s.properties.numericType != nil || s == "_" }
        var i = 0
        while i + w.count <= t.count {
            if t[i..<(i + w.count)].elementsEqual(w) {
                let beforeOK = i == 0 || !isWordScalar(t[i - 1])
                let afterOK = i + w.count == t.count || !isWordScalar(t[i + w.count])
                if beforeOK && afterOK { return true }
            }
            i += 1
        }
        return false
    }

    private func bareSender(_ stanza: Element) -> String? {
        guard let from = stanza[attribute: "from"] else { return nil }
        return (try? JID(from))?.bare.description ?? from
    }

    /// The client's own id (XEP-0359 origin-id) survives every copy of a
    /// stanza; failing that, the sender's `id`; failing that, the content.
    func dedupeKey(_ m: Element) -> String {
        let from = m[attribute: "from"] ?? ""
        if let origin = m.child("origin-id", namespace: NS.stanzaID)?[attribute: "id"], !origin.isEmpty {
            return "o\u{0}\(from)\u{0}\(origin)"
        }
        if let id = m[attribute: "id"], !id.isEmpty { return "i\u{0}\(from)\u{0}\(id)" }
        if let sid = m.child("stanza-id", namespace: NS.stanzaID)?[attribute: "id"], !sid.isEmpty {
            return "s\u{0}\(sid)"
        }
        var hasher = FNV1a()
        hasher.add(m.name); hasher.add(from); hasher.add(m[attribute: "type"] ?? "")
        hasher.add(m.child("body")?.text ?? "")
        return "h\u{0}\(hasher.value)"
    }
}

/// A stable (per process and across processes) 64-bit hash; Swift's
/// Hasher is seeded per process, which is fine here too, but a stable one
/// keeps keys comparable in logs and tests.
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325
    mutating func add(_ s: String) {
        for b in s.utf8 { value = (value ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        value = (value ^ 0xff) &* 0x0000_0100_0000_01b3
    }
}
