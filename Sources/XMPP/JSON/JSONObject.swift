/// A JSON object that remembers the order its keys were added in, so
/// configuration and statistics print the way they were written.
///
/// Equality ignores order, as JSON's does: two objects are equal when they
/// have the same keys with equal values.
public struct JSONObject: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: JSON)

    private var entries: [Element] = []
    /// Position of each key in `entries`, so lookups and the parser's
    /// duplicate check stay linear in the size of the document.
    private var positions: [String: Int] = [:]

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
            positions[key].map { entries[$0].value }
        }
        set {
            if let position = positions[key] {
                if let newValue {
                    entries[position].value = newValue
                } else {
                    entries.remove(at: position)
                    positions[key] = nil
                    for later in position..<entries.count {
                        positions[entries[later].key] = later
                    }
                }
            } else if let newValue {
                positions[key] = entries.count
                entries.append((key, newValue))
            }
        }
    }

    /// Adds `key` unless it is already present; returns whether it was
    /// added.
    mutating func insertNew(_ key: String, _ value: JSON) -> Bool {
        guard positions[key] == nil else { return false }
        positions[key] = entries.count
        entries.append((key, value))
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
