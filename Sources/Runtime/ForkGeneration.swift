import NudgeCore
import Glibc
import Synchronization

/// Which process an engine belongs to, cheaply. fork() copies an engine's
/// memory into the child but not its threads, and its locks may be copied
/// held: a child that called in would wait forever. Every fork bumps this
/// counter in the child (a pthread_atfork handler), so an engine compares
/// the generation it was opened in with one atomic load instead of a
/// getpid() system call on every host call.
public enum ForkGeneration {
    private static let counter = Atomic<UInt64>(0)

    /// Registered by the first engine to open; a pthread_atfork handler
    /// cannot be removed, and one is enough for every engine.
    private static let registered: Void = {
        _ = pthread_atfork(nil, nil, { ForkGeneration.counter.add(1, ordering: .relaxed) })
    }()

    /// The generation of this process, registering the handler first.
    static func current() -> UInt64 {
        _ = registered
        return counter.load(ordering: .relaxed)
    }

    /// The generation, once the handler is registered (every engine's
    /// open did that).
    @inline(__always) static var now: UInt64 { counter.load(ordering: .relaxed) }
}
