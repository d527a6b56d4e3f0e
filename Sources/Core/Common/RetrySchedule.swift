/// Exponential backoff for anything the core tries again: publishes to a
/// remote app server and deliveries to a vendor. Each delay is stretched
/// by 0–20 %, so that many refused at once (an outage) do not all come
/// back at once. The stretch is derived from a seed rather than drawn, so
/// that the same inputs give the same schedule, which keeps the core
/// deterministic under test.
public struct RetrySchedule: Sendable, Equatable {
    /// The delay after the first failure (attempt 0), before stretching.
    public let first: Millis
    /// No delay is longer than this before stretching.
    public let cap: Millis

    public init(first: Millis, cap: Millis) {
        self.first = first
        self.cap = cap
    }

    /// Publishes to a remote app server: 5 s, 10 s, 20 s … up to 10 minutes.
    public static let publish = RetrySchedule(first: 5000, cap: 600_000)
    /// Deliveries to a vendor: 1 s, 2 s, 4 s … up to 15 minutes.
    public static let delivery = RetrySchedule(first: 1000, cap: 900_000)

    /// How long to wait before trying again after failure number `attempt`
    /// (from 0), stretched by `seed` (any number: a job's sequence number,
    /// or one drawn from the core's random source).
    public func delay(attempt: Int, seed: UInt64) -> Millis {
        let base = min(first << min(max(attempt, 0), 20), cap)
        let spread = UInt64(base / 5) + 1
        return base + Millis(((seed &* 0x9E37_79B9_7F4A_7C15) >> 11) % spread)
    }
}
