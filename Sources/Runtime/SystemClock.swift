import Glibc
import NudgeCore

/// Wall-clock time, for production.
public struct SystemClock: Clock {
    public init() {}
    public func now() -> Millis {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Millis(ts.tv_sec) * 1000 + Millis(ts.tv_nsec) / 1_000_000
    }
}
