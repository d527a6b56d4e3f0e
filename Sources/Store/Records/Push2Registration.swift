/// A Push 2.0 registration (`<enable xmlns='urn:xmpp:push2:0'>`), kept in
/// the `EnableRecord` of its client so that sessions, summaries,
/// coalescing and restart wakes are those of every other enablement.
public struct Push2Registration: Sendable, Equatable {
    /// The push service's JID: where notifications go.
    public var service: String
    /// The opaque string the push service routes by, sent back in every
    /// notification.
    public var client: String
    /// The client's match rules, in the order it gave them.
    public var matches: [Match]
    /// When the push service's errors began, unbroken since (each `wait`
    /// error without a push delivered since); nil while it works.
    public var failingSince: Int64?
    /// When the push service last answered an error.
    public var lastErrorAt: Int64?

    public init(service: String, client: String, matches: [Match], failingSince: Int64? = nil, lastErrorAt: Int64? = nil) {
        self.service = service
        self.client = client
        self.matches = matches
        self.failingSince = failingSince
        self.lastErrorAt = lastErrorAt
    }

    /// The match profiles served.
    public enum Profile: UInt8, Sendable {
        case all = 0, important = 1, archived = 2, archivedWithBody = 3
    }

    /// One `<match/>`: which stanzas push, and how.
    public struct Match: Sendable, Equatable {
        public var profile: Profile
        /// `<grace/>`: seconds after activity on another of the user's
        /// sessions during which nothing (but a call) pushes.
        public var graceSeconds: UInt32?
        /// `<filter/>`s: chats that push only on a mention or a reply (or,
        /// with neither, never).
        public var filters: [Filter]
        public var send: Send

        public init(profile: Profile, graceSeconds: UInt32? = nil, filters: [Filter] = [], send: Send) {
            self.profile = profile
            self.graceSeconds = graceSeconds
            self.filters = filters
            self.send = send
        }
    }

    /// A chat's filter.
    public struct Filter: Sendable, Equatable {
        /// A bare JID (a room or a contact), or a domain.
        public var jid: String
        public var mention: Bool
        public var reply: Bool

        public init(jid: String, mention: Bool, reply: Bool) {
            self.jid = jid
            self.mention = mention
            self.reply = reply
        }
    }

    /// A send profile.
    public enum Send: Sendable, Equatable {
        /// `urn:xmpp:push2:send:notify-only:0`.
        case notifyOnly
        /// `urn:xmpp:push2:send:sce+rfc8291+rfc8292:0`.
        case encrypted(Encrypted)
    }

    /// RFC 8291 subscription keys and the optional RFC 8292 signing key.
    /// Secrets of the user's: never logged.
    public struct Encrypted: Sendable, Equatable {
        /// The P-256 public key, 65 bytes uncompressed.
        public var uaPublic: [UInt8]
        /// 16 bytes.
        public var authSecret: [UInt8]
        /// The ES256 key as PKCS#8 DER, when the client asked for a JWT.
        public var jwtKey: [UInt8]?
        /// The claims the client gave, in its order.
        public var jwtClaims: [StoredField]

        public init(uaPublic: [UInt8], authSecret: [UInt8], jwtKey: [UInt8]?, jwtClaims: [StoredField]) {
            self.uaPublic = uaPublic
            self.authSecret = authSecret
            self.jwtKey = jwtKey
            self.jwtClaims = jwtClaims
        }
    }

    func encode(into w: inout ByteWriter) {
        w.writeString(service)
        w.writeString(client)
        w.writeVarint(UInt64(matches.count))
        for m in matches {
            w.writeUInt8(m.profile.rawValue)
            w.writeOptional(m.graceSeconds) { $0.writeVarint(UInt64($1)) }
            w.writeVarint(UInt64(m.filters.count))
            for f in m.filters {
                w.writeString(f.jid)
                w.writeBool(f.mention)
                w.writeBool(f.reply)
            }
            switch m.send {
            case .notifyOnly:
                w.writeUInt8(0)
            case .encrypted(let e):
                w.writeUInt8(1)
                w.writeBytes(e.uaPublic)
                w.writeBytes(e.authSecret)
                w.writeOptional(e.jwtKey) { $0.writeBytes($1) }
                w.writeVarint(UInt64(e.jwtClaims.count))
                for claim in e.jwtClaims { claim.encode(into: &w) }
            }
        }
        w.writeOptional(failingSince) { $0.writeZigzag($1) }
        w.writeOptional(lastErrorAt) { $0.writeZigzag($1) }
    }

    init(from r: inout ByteReader) throws(StoreError) {
        service = try r.readString()
        client = try r.readString()
        let count = try r.readCount()
        var matches: [Match] = []
        for _ in 0..<count {
            let at = r.offset
            let raw = try r.readUInt8()
            guard let profile = Profile(rawValue: raw) else { throw r.corrupt("unknown Push 2.0 match profile \(raw) at byte \(at)") }
            let grace = try r.readOptional { r throws(StoreError) in try r.readVarintUInt32() }
            let filterCount = try r.readCount()
            var filters: [Filter] = []
            for _ in 0..<filterCount {
                filters.append(Filter(jid: try r.readString(), mention: try r.readBool(), reply: try r.readBool()))
            }
            let sendAt = r.offset
            let send: Send
            switch try r.readUInt8() {
            case 0: send = .notifyOnly
            case 1:
                let ua = try r.readBytes()
                let auth = try r.readBytes()
                let key = try r.readOptional { r throws(StoreError) in try r.readBytes() }
                let claimCount = try r.readCount()
                var claims: [StoredField] = []
                for _ in 0..<claimCount { claims.append(try StoredField(from: &r)) }
                send = .encrypted(Encrypted(uaPublic: ua, authSecret: auth, jwtKey: key, jwtClaims: claims))
            case let other: throw r.corrupt("unknown Push 2.0 send profile \(other) at byte \(sendAt)")
            }
            matches.append(Match(profile: profile, graceSeconds: grace, filters: filters, send: send))
        }
        self.matches = matches
        failingSince = try r.readOptional { r throws(StoreError) in try r.readZigzag() }
        lastErrorAt = try r.readOptional { r throws(StoreError) in try r.readZigzag() }
    }
}
