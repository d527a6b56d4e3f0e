/// Decoding every record, for `verify`: the codecs refuse bad bytes with
/// `.corrupt` errors, so a damaged record is found here rather than by the
/// engine in the middle of serving a user.
extension StoreReader {
    /// Decodes every key and value of every table; returns the count per
    /// table. The first damaged record throws, naming its table and its
    /// position (not its key, which may be a token).
    func decodeEveryRecord() throws(StoreError) -> [Table: Int] {
        var entries: [Table: Int] = [:]
        for table in Table.allCases {
            var n = 0
            var failure: StoreError?
            try scan(table, prefix: []) { key, value in
                do throws(StoreError) {
                    try Self.decode(table, key, value)
                } catch {
                    failure = StoreError(.corrupt, "\(error.message) (entry \(n + 1) of table \(table.rawValue))")
                    return false
                }
                n += 1
                return true
            }
            if let failure { throw failure }
            entries[table] = n
        }
        return entries
    }

    private static func decode(_ table: Table, _ key: [UInt8], _ value: [UInt8]) throws(StoreError) {
        switch table {
        case .enable:
            _ = try EnableKey(key: key, table: .enable)
            _ = try EnableRecord(decoding: value)
        case .summary:
            _ = try EnableKey(key: key, table: .summary)
            _ = try SummaryRecord(decoding: value)
        case .options:
            try utf8(key, table)
            _ = try OptionsRecord(decoding: value)
        case .session:
            try utf8(key, table)
            _ = try SessionRecord(decoding: value)
        case .reg:
            try utf8(key, table)
            _ = try RegRecord(decoding: value)
        case .regOwner:
            try utf8(value, table)
        case .outbox:
            _ = try OutboxRecord.sequence(key: key)
            _ = try OutboxRecord(decoding: value)
        case .meta:
            break   // Schema reads its keys at every open.
        }
    }

    private static func utf8(_ bytes: [UInt8], _ table: Table) throws(StoreError) {
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw StoreError(.corrupt, "table \(table.rawValue): invalid UTF-8")
        }
    }
}
