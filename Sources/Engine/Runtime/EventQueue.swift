import Glibc
import CPlatform

/// The engine's one output: a FIFO of events and an eventfd that is
/// readable exactly while the FIFO is not empty, so hosts can watch one fd
/// in their own event loop (as with libcurl's multi interface).
final class EventQueue: @unchecked Sendable {
    let fd: Int32
    private let monitor = Monitor()
    private var items: [Event] = []
    private var head = 0

    init() throws(EngineError) {
        fd = nudge_platform_eventfd()
        guard fd >= 0 else { throw EngineError(.store, "cannot create an eventfd: \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    var count: Int { monitor.locked { items.count - head } }

    func push(_ event: Event) {
        monitor.locked {
            // Signal on the empty → non-empty edge only; the fd stays
            // readable until the last event is taken.
            if items.count == head {
                var one: UInt64 = 1
                _ = write(fd, &one, 8)
            }
            items.append(event)
        }
    }

    func pop() -> Event? {
        monitor.locked {
            guard head < items.count else { return nil }
            let event = items[head]
            head += 1
            if head == items.count {
                items.removeAll(keepingCapacity: true)
                head = 0
                var drained: UInt64 = 0
                _ = read(fd, &drained, 8)
            } else if head >= 1024 && head * 2 >= items.count {
                items.removeFirst(head)
                head = 0
            }
            return event
        }
    }
}
