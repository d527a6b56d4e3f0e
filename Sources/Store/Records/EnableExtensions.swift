/// What Tigase's enable extensions asked of one enablement (Siskin and
/// Snikket iOS send them; each is a disco feature of the account): kept
/// with the `EnableRecord` so that every push of the enablement honours it.
public struct EnableExtensions: Sendable, Equatable {
    /// `tigase:push:encrypt:0` with `aes-128-gcm`: the 16-byte key the
    /// client decrypts with. A secret of the user's: never logged.
    public var encryptionKey: [UInt8]?
    /// The `max-size` the client gave with the key, in bytes.
    public var maxPayloadBytes: UInt32?
    /// `tigase:push:priority:0`: mark important pushes.
    public var priority: Bool
    /// `tigase:push:jingle:0`: calls go out as VoIP pushes.
    public var jingle: Bool
    /// `tigase:push:filter:muted:0`: bare JIDs that push nothing.
    public var muted: [String]
    /// `tigase:push:filter:groupchat:0`: per room, what pushes; nil without
    /// the filter. A room the filter does not list pushes nothing.
    public var rooms: [RoomRule]?
    /// `tigase:push:filter:ignore-unknown:0`: senders not in the user's
    /// roster (or there with only their own subscription request pending)
    /// push nothing; group chats are exempt.
    public var ignoreUnknown: Bool

    /// One room of the group chat filter.
    public struct RoomRule: Sendable, Equatable {
        public var room: String
        public var allow: RoomAllow
        /// The user's nickname there, for `mentioned`.
        public var nick: String?

        public init(room: String, allow: RoomAllow, nick: String?) {
            self.room = room
            self.allow = allow
            self.nick = nick
        }
    }

    /// The group chat filter's `allow` values.
    public enum RoomAllow: UInt8, Sendable {
        case never = 0, mentioned = 1, always = 2
    }

    public init(encryptionKey: [UInt8]? = nil, maxPayloadBytes: UInt32? = nil, priority: Bool = false,
                jingle: Bool = false, muted: [String] = [], rooms: [RoomRule]? = nil, ignoreUnknown: Bool = false) {
        self.encryptionKey = encryptionKey
        self.maxPayloadBytes = maxPayloadBytes
        self.priority = priority
        self.jingle = jingle
        self.muted = muted
        self.rooms = rooms
        self.ignoreUnknown = ignoreUnknown
    }

    /// None asked for: what every enablement of format 1 reads as.
    public static let none = EnableExtensions()

    /// Does some room ask for messages that mention nobody? The host
    /// thread drops those before the store otherwise (`notify_on`).
    public var wantsRoomMessages: Bool {
        rooms?.contains { $0.allow != .never } ?? false
    }

    func encode(into w: inout ByteWriter) {
        w.writeOptional(encryptionKey) { $0.writeBytes($1) }
        w.writeOptional(maxPayloadBytes) { $0.writeVarint(UInt64($1)) }
        w.writeBool(priority)
        w.writeBool(jingle)
        w.writeVarint(UInt64(muted.count))
        for jid in muted { w.writeString(jid) }
        w.writeOptional(rooms) { w, rooms in
            w.writeVarint(UInt64(rooms.count))
            for rule in rooms {
                w.writeString(rule.room)
                w.writeUInt8(rule.allow.rawValue)
                w.writeOptional(rule.nick) { $0.writeString($1) }
            }
        }
        w.writeBool(ignoreUnknown)
    }

    /// `version`: the EnableRecord format the bytes were written in.
    init(from r: inout ByteReader, version: UInt8) throws(StoreError) {
        encryptionKey = try r.readOptional { r throws(StoreError) in try r.readBytes() }
        maxPayloadBytes = try r.readOptional { r throws(StoreError) in try r.readVarintUInt32() }
        priority = try r.readBool()
        jingle = try r.readBool()
        let mutedCount = try r.readCount()
        var muted: [String] = []
        for _ in 0..<mutedCount { muted.append(try r.readString()) }
        self.muted = muted
        rooms = try r.readOptional { r throws(StoreError) in
            let count = try r.readCount()
            var rooms: [RoomRule] = []
            for _ in 0..<count {
                let room = try r.readString()
                let at = r.offset
                let raw = try r.readUInt8()
                guard let allow = RoomAllow(rawValue: raw) else {
                    throw r.corrupt("unknown group chat rule \(raw) at byte \(at)")
                }
                rooms.append(RoomRule(room: room, allow: allow, nick: try r.readOptional { r throws(StoreError) in try r.readString() }))
            }
            return rooms
        }
        ignoreUnknown = version >= 3 ? try r.readBool() : false
    }
}
