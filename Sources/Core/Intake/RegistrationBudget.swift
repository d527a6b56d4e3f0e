/// How many device registrations each user may make: a token bucket per
/// key (a user's bare JID), `capacity` registrations refilled evenly over
/// `period`. Bounded in memory: keys whose bucket is full again are
/// forgotten when the table grows.
///
/// A value type with the time passed in, so that it is tested without
/// threads or clocks; the runtime keeps it behind a lock because host
/// threads consult it before anything reaches the writer.
public struct RegistrationBudget: Sendable {
    private let capacity: Double
    private let perMilli: Double
    private var buckets: [String: (tokens: Double, at: Millis)] = [:]
    /// Above this many keys, full buckets are dropped.
    private let maxKeys: Int

    public init(capacity: Int, period: Millis, maxKeys: Int = 100_000) {
        self.capacity = Double(capacity)
        self.perMilli = Double(capacity) / Double(period)
        self.maxKeys = maxKeys
    }

    /// Takes one registration from `key`'s budget; false when none is left.
    public mutating func allow(_ key: String, now: Millis) -> Bool {
        if buckets.count > maxKeys { forgetFull(now) }
        var b = buckets[key] ?? (capacity, now)
        b.tokens = min(capacity, b.tokens + Double(now - b.at) * perMilli)
        b.at = now
        guard b.tokens >= 1 else { buckets[key] = b; return false }
        b.tokens -= 1
        buckets[key] = b
        return true
    }

    /// How many keys are remembered.
    public var keyCount: Int { buckets.count }

    private mutating func forgetFull(_ now: Millis) {
        buckets = buckets.filter { _, b in b.tokens + Double(now - b.at) * perMilli < capacity }
    }
}
