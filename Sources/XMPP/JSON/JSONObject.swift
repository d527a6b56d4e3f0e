/// A JSON object that remembers the order its keys were added in, so
/// configuration and statistics print the way they were written.
///
/// Equality ignores order, as JSON's does: two objects are equal when they
/// have the same keys with equal values.
public struct JSONObject: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: JSON)

    private var entries: [Element] = []
    /// Position of each key in `entries`, so lookups and the parser's
    /// duplicate check stay linear in the size of the document. Built only
    /// once an object has more than `indexedFrom` keys: the small objects
    /// of vendors' payloads and answers are searched faster than hashed,
    /// and every push builds several of them.
    private var positions: [String: Int] = [:]
    private static let indexedFrom = 16

    private func position(_ key: String) -> Int? {
        guard positions.isEmpty else { return positions[key] }
        return entries.firstIndex { $0.key == key }
    }

    private mutating func append(_ key: String, _ value: JSON) {
        entries.append((key, value))
        if !positions.isEmpty {
            positions[key] = entries.count - 1
        } else if entries.count > Self.indexedFrom {
            for (index, entry) in entries.enumerated() { positions[entry.key] = index }
        }
    }

    /// An empty object.
    public init() {}

    /// An object from a literal; a key given twice keeps its first place
    /// and its last value.
    public init(dictionaryLiteral elements: (String, JSON)...) {
        for (key, value) in elements {
            self[key] = value
        }
    }

    /// The value for `key`. Setting a new key appends it; setting an
    /// existing one replaces its value in place; setting nil removes it.
    public subscript(key: String) -> JSON? {
        get {
            position(key).map { entries[$0].value }
        }
        set {
            if let position = position(key) {
                if let newValue {
                    entries[position].value = newValue
                } else {
                    entries.remove(at: position)
                    guard !positions.isEmpty else { return }
                    positions[key] = nil
                    for later in position..<entries.count {
                        positions[entries[later].key] = later
                    }
                }
            } else if let newValue {
                append(key, newValue)
            }
        }
    }

    /// Adds `key` unless it is already present; returns whether it was
    /// added.
    mutating func insertNew(_ key: String, _ value: JSON) -> Bool {
        guard position(key) == nil else { return false }
        append(key, value)
        return true
    }

    /// The keys in insertion order.
    public var keys: [String] { entries.map(\.key) }
    /// The values in insertion order.
    public var values: [JSON] { entries.map(\.value) }
    /// The number of keys.
    public var count: Int { entries.count }
    /// Whether there are no keys.
    public var isEmpty: Bool { entries.isEmpty }

    /// The entries in insertion order.
    public func makeIterator() -> IndexingIterator<[Element]> {
        entries.makeIterator()
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for (key, value) in lhs.entries where rhs[key] != value {
            return false
        }
        return true
    }
}
