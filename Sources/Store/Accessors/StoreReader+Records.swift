/// Typed reads: what the engine calls instead of raw bytes.
extension StoreReader {
    /// The enablement under `key`.
    public func enable(_ key: EnableKey) throws(StoreError) -> EnableRecord? {
        guard key.isValid else { return nil }
        return try record(EnableRecord.self, key.key)
    }

    /// All enablements of `user`, in key order.
    public func enables(ofUser user: String) throws(StoreError) -> [(key: EnableKey, record: EnableRecord)] {
        guard !user.utf8.contains(0) else { return [] }
        var found: [(key: EnableKey, record: EnableRecord)] = []
        try scanRecords(EnableRecord.self, prefix: EnableKey.userPrefix(user),
                        key: { k throws(StoreError) in try EnableKey(key: k, table: .enable) }) { key, record in
            found.append((key, record))
            return true
        }
        return found
    }

    /// Visits every enablement in key order until `visit` returns false.
    public func forEachEnable(_ visit: (EnableKey, EnableRecord) -> Bool) throws(StoreError) {
        try scanRecords(EnableRecord.self, prefix: [],
                        key: { k throws(StoreError) in try EnableKey(key: k, table: .enable) }, visit)
    }

    /// The content options of `user`.
    public func options(ofUser user: String) throws(StoreError) -> OptionsRecord? {
        try record(OptionsRecord.self, Array(user.utf8))
    }

    /// The session with full JID `fullJID`.
    public func session(_ fullJID: String) throws(StoreError) -> SessionRecord? {
        try record(SessionRecord.self, Array(fullJID.utf8))
    }

    /// Visits every session in key order until `visit` returns false.
    public func forEachSession(_ visit: (String, SessionRecord) -> Bool) throws(StoreError) {
        try forEachSession(prefix: [], visit)
    }

    /// The full JIDs of the sessions of the user with bare JID `user`.
    public func sessions(ofUser user: String) throws(StoreError) -> [String] {
        var found: [String] = []
        try forEachSession(prefix: Array((user + "/").utf8)) { jid, _ in
            found.append(jid)
            return true
        }
        return found
    }

    private func forEachSession(prefix: [UInt8], _ visit: (String, SessionRecord) -> Bool) throws(StoreError) {
        try scanRecords(SessionRecord.self, prefix: prefix, key: { k throws(StoreError) in
            guard let jid = String(validating: k, as: UTF8.self) else {
                throw StoreError(.corrupt, "table session: invalid UTF-8 in key")
            }
            return jid
        }, visit)
    }

    /// The summary of the enablement `key`.
    public func summary(_ key: EnableKey) throws(StoreError) -> SummaryRecord? {
        guard key.isValid else { return nil }
        return try record(SummaryRecord.self, key.key)
    }

    /// Visits every summary in key order until `visit` returns false.
    public func forEachSummary(_ visit: (EnableKey, SummaryRecord) -> Bool) throws(StoreError) {
        try scanRecords(SummaryRecord.self, prefix: [],
                        key: { k throws(StoreError) in try EnableKey(key: k, table: .summary) }, visit)
    }

    /// The delivery job with sequence number `seq`.
    public func outbox(_ seq: UInt64) throws(StoreError) -> OutboxRecord? {
        try record(OutboxRecord.self, OutboxRecord.key(seq))
    }

    /// Visits every delivery job in sequence order until `visit` returns false.
    public func forEachOutbox(_ visit: (UInt64, OutboxRecord) -> Bool) throws(StoreError) {
        try scanRecords(OutboxRecord.self, prefix: [],
                        key: { k throws(StoreError) in try OutboxRecord.sequence(key: k) }, visit)
    }

    func record<R: StoredRecord>(_ type: R.Type, _ key: [UInt8]) throws(StoreError) -> R? {
        guard let bytes = try get(R.table, key) else { return nil }
        return try R(decoding: bytes)
    }

    /// A scan that decodes as it goes. `scan`'s visitor cannot throw, so
    /// the first decoding error stops the scan and is thrown after it.
    func scanRecords<K, R: StoredRecord>(
        _ type: R.Type, prefix: [UInt8], key decodeKey: ([UInt8]) throws(StoreError) -> K,
        _ visit: (K, R) -> Bool
    ) throws(StoreError) {
        var failure: StoreError?
        try scan(R.table, prefix: prefix) { k, v in
            do throws(StoreError) {
                return visit(try decodeKey(k), try R(decoding: v))
            } catch {
                failure = error
                return false
            }
        }
        if let failure { throw failure }
    }
}
