/// What kind of stanza a summary's last sender sent: what an encrypted
/// push (Tigase's `tigase:push:encrypt:0`) names in its `type`.
public enum StanzaKind: UInt8, Sendable {
    case chat = 0, groupchat = 1, call = 2, subscribe = 3
}

/// A Jingle call proposal (XEP-0353 `<propose/>`), or its end, as a VoIP
/// push names it.
public struct CallProposal: Sendable, Equatable {
    /// The proposal's `id`: the Jingle session id.
    public var sid: String
    /// The caller's full JID (for an end, whoever ended it).
    public var caller: String
    /// The media of its RTP descriptions (`audio`, `video`).
    public var media: [String]
    /// The call was retracted, or taken or declined on another device:
    /// the phone should stop ringing.
    public var ended: Bool

    public init(sid: String, caller: String, media: [String], ended: Bool = false) {
        self.sid = sid
        self.caller = caller
        self.media = media
        self.ended = ended
    }

    func encode(into w: inout ByteWriter) {
        w.writeString(sid)
        w.writeString(caller)
        w.writeVarint(UInt64(media.count))
        for m in media { w.writeString(m) }
        w.writeBool(ended)
    }

    init(from r: inout ByteReader) throws(StoreError) {
        sid = try r.readString()
        caller = try r.readString()
        let count = try r.readCount()
        var media: [String] = []
        for _ in 0..<count { media.append(try r.readString()) }
        self.media = media
        ended = try r.readBool()
    }
}
