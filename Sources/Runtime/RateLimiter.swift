import NudgeCore
/// A token bucket per key (a user's bare JID): `capacity` actions, refilled
/// evenly over `period`. Bounded in memory: keys whose bucket is full again
/// are forgotten when the table grows.
final class RateLimiter: @unchecked Sendable {
    private let monitor = Monitor()
    private let capacity: Double
    private let perMilli: Double
    private var buckets: [String: (tokens: Double, at: Millis)] = [:]

    init(capacity: Int, period: Millis) {
        self.capacity = Double(capacity)
        self.perMilli = Double(capacity) / Double(period)
    }

    func allow(_ key: String, now: Millis) -> Bool {
        monitor.locked {
            if buckets.count > 100_000 { forgetFull(now) }
            var b = buckets[key] ?? (capacity, now)
            b.tokens = min(capacity, b.tokens + Double(now - b.at) * perMilli)
            b.at = now
            guard b.tokens >= 1 else { buckets[key] = b; return false }
            b.tokens -= 1
            buckets[key] = b
            return true
        }
    }

    private func forgetFull(_ now: Millis) {
        buckets = buckets.filter { _, b in b.tokens + Double(now - b.at) * perMilli < capacity }
    }
}
