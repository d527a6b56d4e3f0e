/// Whether a session is connected or hibernating (XEP-0198).
public enum SessionState: UInt8, Sendable, Equatable {
    /// Bound and connected.
    case online = 0
    /// The client dropped TCP without `</stream>`; stanzas wait for it.
    case pending = 1
}

/// The state of one session, keyed by its full JID in the `session` table.
public struct SessionRecord: Sendable, Equatable {
    /// The session's state.
    public var state: SessionState
    /// When it entered that state, in milliseconds since the epoch.
    public var since: Int64
    /// When a pending session gets its wake push before it expires, in
    /// milliseconds since the epoch.
    public var wakeAt: Int64?

    /// Creates a record.
    public init(state: SessionState, since: Int64, wakeAt: Int64?) {
        self.state = state
        self.since = since
        self.wakeAt = wakeAt
    }

    /// The value bytes.
    public func encode() -> [UInt8] {
        Self.encode { w in
            w.writeUInt8(state.rawValue)
            w.writeZigzag(since)
            w.writeOptional(wakeAt) { $0.writeZigzag($1) }
        }
    }

    /// Decodes value bytes.
    public init(decoding bytes: [UInt8]) throws(StoreError) {
        self = try Self.decode(bytes) { r throws(StoreError) in
            let at = r.offset
            let raw = try r.readUInt8()
            guard let state = SessionState(rawValue: raw) else {
                throw r.corrupt("unknown session state \(raw) at byte \(at)")
            }
            return SessionRecord(state: state, since: try r.readZigzag(),
                                 wakeAt: try r.readOptional { r throws(StoreError) in try r.readZigzag() })
        }
    }
}

extension SessionRecord: StoredRecord {
    static var table: Table { .session }
}
