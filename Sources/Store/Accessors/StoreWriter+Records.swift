/// Typed writes: what the engine calls instead of raw bytes.
extension StoreWriter {
    /// Stores an enablement.
    public func putEnable(_ key: EnableKey, _ r: EnableRecord) throws(StoreError) {
        try key.validate(.enable)
        try put(.enable, key.key, r.encode())
    }

    /// Removes an enablement; returns whether it was there.
    @discardableResult
    public func deleteEnable(_ key: EnableKey) throws(StoreError) -> Bool {
        guard key.isValid else { return false }
        return try delete(.enable, key.key)
    }

    /// Stores the content options of `user`.
    public func putOptions(user: String, _ r: OptionsRecord) throws(StoreError) {
        try put(.options, Array(user.utf8), r.encode())
    }

    /// Removes the content options of `user`; returns whether they were there.
    @discardableResult
    public func deleteOptions(user: String) throws(StoreError) -> Bool {
        try delete(.options, Array(user.utf8))
    }

    /// Stores the session `fullJID`.
    public func putSession(_ fullJID: String, _ r: SessionRecord) throws(StoreError) {
        try put(.session, Array(fullJID.utf8), r.encode())
    }

    /// Removes the session `fullJID`; returns whether it was there.
    @discardableResult
    public func deleteSession(_ fullJID: String) throws(StoreError) -> Bool {
        try delete(.session, Array(fullJID.utf8))
    }

    /// Stores the summary of the enablement `key`.
    public func putSummary(_ key: EnableKey, _ r: SummaryRecord) throws(StoreError) {
        try key.validate(.summary)
        try put(.summary, key.key, r.encode())
    }

    /// Removes the summary of the enablement `key`; returns whether it was there.
    @discardableResult
    public func deleteSummary(_ key: EnableKey) throws(StoreError) -> Bool {
        guard key.isValid else { return false }
        return try delete(.summary, key.key)
    }

    /// Adds a delivery job under the next sequence number and returns it.
    @discardableResult
    public func appendOutbox(_ r: OutboxRecord) throws(StoreError) -> UInt64 {
        let seq = try nextOutboxSequence()
        try put(.outbox, OutboxRecord.key(seq), r.encode())
        return seq
    }

    /// The next outbox sequence number from the counter in `meta`.
    ///
    /// The counter lives in `meta` rather than being derived from the
    /// outbox's last key, so numbers are never reused even after the
    /// outbox drains and the process restarts: a late answer for an old
    /// job can never be mistaken for a new one.
    func metaOutboxSequence() throws(StoreError) -> UInt64 {
        var seq: UInt64 = 1
        if let stored = try get(.meta, Schema.MetaKey.outboxNext) {
            seq = try Schema.decodeSequence(stored)
        }
        guard seq < UInt64.max else {
            throw StoreError(.invalidArgument, "table outbox: sequence numbers exhausted")
        }
        try put(.meta, Schema.MetaKey.outboxNext, OutboxRecord.key(seq + 1))
        return seq
    }

    /// Takes the delivery job `seq` for this engine (`claimOutbox`).
    public func claimOutbox(_ seq: UInt64) throws(StoreError) -> Bool {
        try claimOutbox(OutboxRecord.key(seq))
    }

    /// Replaces the delivery job `seq` (after an attempt, say).
    public func putOutbox(_ seq: UInt64, _ r: OutboxRecord) throws(StoreError) {
        try put(.outbox, OutboxRecord.key(seq), r.encode())
    }

    /// Removes the delivery job `seq`; returns whether it was there.
    @discardableResult
    public func deleteOutbox(_ seq: UInt64) throws(StoreError) -> Bool {
        try delete(.outbox, OutboxRecord.key(seq))
    }
}
