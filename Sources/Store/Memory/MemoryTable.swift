/// One table of a `MemoryStore`: entries kept sorted by key with the same
/// byte-wise order as LMDB's default comparison (memcmp, then shorter
/// first), so scans visit keys in the same order on both stores.
struct MemoryTable: Sendable {
    private var keys: [[UInt8]] = []
    private var values: [[UInt8]] = []

    var count: Int { keys.count }

    /// Bytes held, keys and values, for `stats`.
    var byteCount: Int {
        keys.reduce(0) { $0 + $1.count } + values.reduce(0) { $0 + $1.count }
    }

    func get(_ key: [UInt8]) -> [UInt8]? {
        let i = lowerBound(key)
        return i < keys.count && keys[i] == key ? values[i] : nil
    }

    mutating func put(_ key: [UInt8], _ value: [UInt8]) {
        let i = lowerBound(key)
        if i < keys.count && keys[i] == key {
            values[i] = value
        } else {
            keys.insert(key, at: i)
            values.insert(value, at: i)
        }
    }

    mutating func delete(_ key: [UInt8]) -> Bool {
        let i = lowerBound(key)
        guard i < keys.count && keys[i] == key else { return false }
        keys.remove(at: i)
        values.remove(at: i)
        return true
    }

    func scan(prefix: [UInt8], _ visit: ([UInt8], [UInt8]) -> Bool) {
        var i = lowerBound(prefix)
        while i < keys.count && keys[i].starts(with: prefix) && visit(keys[i], values[i]) {
            i += 1
        }
    }

    /// The index of the first key not less than `key`.
    private func lowerBound(_ key: [UInt8]) -> Int {
        var low = 0
        var high = keys.count
        while low < high {
            let mid = (low + high) / 2
            if keys[mid].lexicographicallyPrecedes(key) {
                low = mid + 1
            } else {
                high = mid
            }
        }
        return low
    }
}
