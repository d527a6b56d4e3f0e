import Glibc

/// Milliseconds since the UNIX epoch: the engine's one unit of time, so
/// records, timers and tests agree without conversions.
public typealias Millis = Int64

/// The engine never reads the system time directly; the clock is injected
/// so that tests decide what time it is (sans-IO, as h11 does).
public protocol Clock: Sendable {
    func now() -> Millis
}

/// Wall-clock time, for production.
public struct SystemClock: Clock {
    public init() {}
    public func now() -> Millis {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Millis(ts.tv_sec) * 1000 + Millis(ts.tv_nsec) / 1_000_000
    }
}
