import NudgeCore
import Glibc

/// A mutex with one condition variable, waiting on the monotonic clock so
/// that changes to the wall clock do not stretch or cut timed waits.
/// `Synchronization.Mutex` has no condition variable, hence this.
final class Monitor: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(cond, &attr)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        cond.deallocate()
        mutex.deallocate()
    }

    func locked<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Call with the lock held (inside `locked`).
    func wait() { pthread_cond_wait(cond, mutex) }

    /// Call with the lock held. Waits at most `millis` milliseconds.
    func wait(millis: Int64) {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let total = Int64(ts.tv_nsec) + (millis % 1000) * 1_000_000
        ts.tv_sec += Int(millis / 1000) + Int(total / 1_000_000_000)
        ts.tv_nsec = Int(total % 1_000_000_000)
        pthread_cond_timedwait(cond, mutex, &ts)
    }

    func signalAll() { pthread_cond_broadcast(cond) }
}

/// Waits for one value produced on another thread: how a host thread
/// waits for the writer's commit in the few calls documented to do so.
final class Completion<Value: Sendable>: @unchecked Sendable {
    private let monitor = Monitor()
    private var value: Value?

    func fulfil(_ v: Value) {
        monitor.locked { value = v; monitor.signalAll() }
    }

    func wait() -> Value {
        monitor.locked {
            while value == nil { monitor.wait() }
            return value!
        }
    }
}
