/// Milliseconds since the UNIX epoch: the engine's one unit of time, so
/// records, timers and tests agree without conversions.
public typealias Millis = Int64

/// The engine never reads the system time directly; the clock is injected
/// so that tests decide what time it is (sans-IO, as h11 does). The
/// runtime supplies the real one (`SystemClock`).
public protocol Clock: Sendable {
    func now() -> Millis
}
