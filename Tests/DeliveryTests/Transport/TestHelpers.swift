import Glibc
import NudgeDelivery

/// The failure of a result, for `#require`.
extension Result {
    var failure: Failure? {
        if case .failure(let f) = self { return f }
        return nil
    }
}

extension Result where Success == HTTPResponse {
    /// The response's status, or nil for a failure.
    var status: Int? {
        if case .success(let response) = self { return response.status }
        return nil
    }
}

/// Milliseconds on the monotonic clock, for elapsed-time checks.
enum TestClock {
    static func nowMs() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int(ts.tv_sec) * 1000 + Int(ts.tv_nsec) / 1_000_000
    }
}
