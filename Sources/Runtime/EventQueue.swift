import NudgeCore
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
    /// A host that stops draining must not take the process's memory with
    /// it: past `limit` new events are dropped, and once the host has
    /// drained half of the queue one log event says how many were lost.
    private let limit: Int
    private var dropped = 0

    init(limit: Int = .max) throws(EngineError) {
        self.limit = limit
        fd = nudge_platform_eventfd()
        guard fd >= 0 else { throw EngineError(.store, "cannot create an eventfd: \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    var count: Int { monitor.locked { items.count - head } }

    /// false when the event was dropped because the queue is full.
    @discardableResult
    func push(_ event: Event) -> Bool {
        monitor.locked {
            guard items.count - head < limit else {
                dropped += 1
                return false
            }
            append(event)
            return true
        }
    }

    func pop() -> Event? {
        monitor.locked {
            guard head < items.count else { return nil }
            let event = items[head]
            head += 1
            if dropped > 0 && items.count - head <= limit / 2 {
                append(Event(kind: .log, text: "\(dropped) engine event(s) were dropped: the host did not drain the queue (limits.max_events = \(limit)); replies among them were lost, stored state was not", target: nil, level: .warn))
                dropped = 0
            }
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

    /// With the lock held.
    private func append(_ event: Event) {
        // Signal on the empty → non-empty edge only; the fd stays
        // readable until the last event is taken.
        if items.count == head {
            var one: UInt64 = 1
            _ = write(fd, &one, 8)
        }
        items.append(event)
    }
}
