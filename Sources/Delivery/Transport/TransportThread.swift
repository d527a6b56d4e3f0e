import CPlatform
import Glibc

/// The transport's own POSIX thread, joinable, named for top(1) and core dumps.
final class TransportThread: @unchecked Sendable {
    private var handle = pthread_t()

    init(name: String, _ body: @escaping @Sendable () -> Void) throws(HTTPFailure) {
        let box = Unmanaged.passRetained(Body(body)).toOpaque()
        let rc = pthread_create(&handle, nil, { raw in
            Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, box)
        guard rc == 0 else {
            Unmanaged<Body>.fromOpaque(box).release()
            throw HTTPFailure(kind: .other, message: "cannot start the transport thread: \(String(cString: strerror(rc)))")
        }
        // The kernel keeps 15 bytes of a thread's name.
        _ = pthread_setname_np(handle, String(name.prefix(15)))
    }

    /// True when called on this thread.
    var isCurrent: Bool { pthread_equal(pthread_self(), handle) != 0 }

    func join() { pthread_join(handle, nil) }

    /// For a thread that will never be joined: it frees itself when it ends.
    func detach() { pthread_detach(handle) }

    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }
}
