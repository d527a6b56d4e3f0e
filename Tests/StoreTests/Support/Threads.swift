import Glibc

private final class ThreadBody {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}

/// A real OS thread, so that tests exercise what hosts do (plain pthreads
/// calling in) rather than the cooperative pool.
struct TestThread {
    private var handle = pthread_t()

    init(_ run: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(ThreadBody(run)).toOpaque()
        let rc = pthread_create(&handle, nil, { arg in
            Unmanaged<ThreadBody>.fromOpaque(arg!).takeRetainedValue().run()
            return nil
        }, box)
        precondition(rc == 0, "pthread_create failed: \(rc)")
    }

    func join() {
        pthread_join(handle, nil)
    }
}

/// Waits (politely) until `condition` holds or about ten seconds pass;
/// returns whether it held.
func waitUntil(_ condition: () -> Bool) -> Bool {
    for _ in 0..<10_000 {
        if condition() { return true }
        usleep(1_000)
    }
    return condition()
}
