import Synchronization

/// What a backend works out from a subscription's text (its key, its
/// endpoint's origin) kept by that text, so that a device's every message
/// does not work it out again. Only successes are kept: a failure makes the
/// registration go, and a key that cannot be used is not worth a slot.
/// Bounded: when full it starts over, which costs one computation per
/// subscription again.
final class BoundedMemo<Value: Sendable>: Sendable {
    let capacity: Int
    private let table = Mutex([String: Value]())

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The kept value for `key`, or what `make` says of it (kept when a value).
    func value<Failure: Error>(_ key: String, _ make: (String) -> Result<Value, Failure>) -> Result<Value, Failure> {
        if let known = table.withLock({ $0[key] }) { return .success(known) }
        let made = make(key)
        if case .success(let value) = made {
            table.withLock { table in
                if table.count >= capacity { table.removeAll(keepingCapacity: true) }
                table[key] = value
            }
        }
        return made
    }

    /// The kept value for `key`, if any; computes nothing.
    func known(_ key: String) -> Value? {
        table.withLock { $0[key] }
    }
}
