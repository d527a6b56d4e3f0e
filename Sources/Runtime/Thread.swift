import NudgeCore
import Glibc
import CPlatform

/// A joinable POSIX thread running a closure: the engine owns exactly one
/// (the writer), so nothing more elaborate is needed.
final class Thread: @unchecked Sendable {
    private var handle = pthread_t()

    init(name: String, _ body: @escaping @Sendable () -> Void) throws(ThreadError) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        let rc = pthread_create(&handle, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        guard rc == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            throw ThreadError(code: rc)
        }
        // The kernel keeps 15 bytes of a thread's name.
        _ = pthread_setname_np(handle, String(name.prefix(15)))
    }

    func join() { pthread_join(handle, nil) }

    private final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
}

struct ThreadError: Error { let code: Int32 }
