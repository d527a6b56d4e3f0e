import NudgeXMPP
import NudgeStore
import NudgeCrypto

/// Tigase's extensions of XEP-0357's `<enable/>`, as TigaseSwift's
/// `TigasePushNotificationsModule` (Encryption, Priority, Jingle, Muted,
/// GroupchatFilter, IgnoreUnknown) adds them and Tigase's server reads them:
/// each a child of the enable in its own namespace. `away` is not served,
/// nor announced, so a client that sends it anyway is not refused.
extension EnableExtensions {
    /// The disco features of the account for what is served here.
    static let discoFeatures = [NS.tigasePushEncrypt, NS.tigasePushEncryptAES128GCM, NS.tigasePushPriority,
                                NS.tigasePushJingle, NS.tigasePushFilterMuted, NS.tigasePushFilterGroupchat,
                                NS.tigasePushFilterIgnoreUnknown]

    static let algorithm = "aes-128-gcm"
    /// Below this the JSON of a push without its message may not fit.
    static let minMaxSize: UInt32 = 128
    /// Bounds the record: more rooms or muted JIDs than a person has.
    static let maxListItems = 2000

    /// Reads the extensions of `enable`; nil after queueing the precise
    /// error reply (and then nothing is stored).
    init?(_ enable: Element, iq: Element, step: inout Step) {
        self.init()
        func only(_ name: String, _ ns: String) -> Element?? {
            let found = enable.children(name, namespace: ns)
            guard found.count <= 1 else {
                step.refuse(iq, "modify", "bad-request", "more than one <\(name) xmlns='\(ns)'/> in enable")
                return nil
            }
            return .some(found.first)
        }
        guard let encrypt = only("encrypt", NS.tigasePushEncrypt),
              let priority = only("priority", NS.tigasePushPriority),
              let jingle = only("jingle", NS.tigasePushJingle),
              let muted = only("muted", NS.tigasePushFilterMuted),
              let groupchat = only("groupchat", NS.tigasePushFilterGroupchat),
              let ignoreUnknown = only("ignore-unknown", NS.tigasePushFilterIgnoreUnknown) else { return nil }
        if let encrypt {
            guard readEncrypt(encrypt, iq, &step) else { return nil }
        }
        self.priority = priority != nil
        self.jingle = jingle != nil
        self.ignoreUnknown = ignoreUnknown != nil
        if let muted {
            guard let jids = Self.readMuted(muted, iq, &step) else { return nil }
            self.muted = jids
        }
        if let groupchat {
            guard let rooms = Self.readRooms(groupchat, iq, &step) else { return nil }
            self.rooms = rooms
        }
    }

    private mutating func readEncrypt(_ e: Element, _ iq: Element, _ step: inout Step) -> Bool {
        guard let alg = e[attribute: "alg"], !alg.isEmpty else {
            step.refuse(iq, "modify", "bad-request", "encrypt needs an 'alg' attribute (\(Self.algorithm))")
            return false
        }
        guard alg.lowercased() == Self.algorithm else {
            step.refuse(iq, "modify", "not-acceptable", "encrypt: algorithm '\(alg.prefix(64))' is not supported; only \(Self.algorithm) is")
            return false
        }
        // The spec's example wraps the key in white space.
        let text = e.text.filter { !$0.isWhitespace }
        guard !text.isEmpty, let key = Base64.decode(text) else {
            step.refuse(iq, "modify", "bad-request", "encrypt: the key is not base64")
            return false
        }
        guard key.count == 16 else {
            step.refuse(iq, "modify", "bad-request", "encrypt: an \(Self.algorithm) key is 16 bytes; this one is \(key.count)")
            return false
        }
        if let sizeText = e[attribute: "max-size"] {
            guard let size = UInt32(sizeText), size >= Self.minMaxSize else {
                step.refuse(iq, "modify", "bad-request",
                            "encrypt: max-size '\(sizeText.prefix(32))' is not a number of bytes of at least \(Self.minMaxSize)")
                return false
            }
            maxPayloadBytes = size
        }
        encryptionKey = key
        return true
    }

    private static func readMuted(_ e: Element, _ iq: Element, _ step: inout Step) -> [String]? {
        var jids: [String] = []
        for item in e.elements {
            guard item.name == "item" else { continue }
            guard let jid = bareJID(item, "muted item", iq, &step) else { return nil }
            if !jids.contains(jid) { jids.append(jid) }
        }
        guard jids.count <= maxListItems else {
            step.refuse(iq, "modify", "not-acceptable", "muted: at most \(maxListItems) JIDs")
            return nil
        }
        return jids
    }

    private static func readRooms(_ e: Element, _ iq: Element, _ step: inout Step) -> [RoomRule]? {
        var rules: [RoomRule] = []
        for room in e.elements {
            guard room.name == "room" else { continue }
            guard let jid = bareJID(room, "group chat room", iq, &step) else { return nil }
            guard let allowText = room[attribute: "allow"] else {
                step.refuse(iq, "modify", "bad-request", "group chat room \(jid): needs an 'allow' attribute (always, mentioned or never)")
                return nil
            }
            let allow: RoomAllow
            switch allowText {
            case "always": allow = .always
            case "mentioned": allow = .mentioned
            case "never": allow = .never
            default:
                step.refuse(iq, "modify", "bad-request",
                            "group chat room \(jid): allow '\(allowText.prefix(32))' is not always, mentioned or never")
                return nil
            }
            let nick = room[attribute: "nick"].flatMap { $0.isEmpty ? nil : $0 }
            guard allow != .mentioned || nick != nil else {
                step.refuse(iq, "modify", "bad-request", "group chat room \(jid): allow='mentioned' needs the user's 'nick'")
                return nil
            }
            guard !rules.contains(where: { $0.room == jid }) else {
                step.refuse(iq, "modify", "bad-request", "group chat room \(jid) is listed twice")
                return nil
            }
            rules.append(RoomRule(room: jid, allow: allow, nick: nick))
        }
        guard rules.count <= maxListItems else {
            step.refuse(iq, "modify", "not-acceptable", "groupchat: at most \(maxListItems) rooms")
            return nil
        }
        return rules
    }

    private static func bareJID(_ e: Element, _ what: String, _ iq: Element, _ step: inout Step) -> String? {
        guard let text = e[attribute: "jid"], !text.isEmpty else {
            step.refuse(iq, "modify", "bad-request", "\(what) needs a 'jid' attribute")
            return nil
        }
        do {
            let jid = try JID(text)
            guard jid.isBare else {
                step.refuse(iq, "modify", "jid-malformed", "\(what) '\(text.prefix(64))' is not a bare JID")
                return nil
            }
            return jid.description
        } catch {
            step.refuse(iq, "modify", "jid-malformed", "\(what) '\(text.prefix(64))': \(error.message)")
            return nil
        }
    }
}
