import NudgeCore
/// The writer's timers: a binary min-heap by due time (ties in insertion
/// order). Stale entries are not removed; the core ignores timers that no
/// longer apply when they fire.
struct TimerHeap {
    private struct Entry { var at: Millis; var seq: UInt64; var key: TimerKey }
    private var heap: [Entry] = []
    private var seq: UInt64 = 0

    var count: Int { heap.count }
    var nextDue: Millis? { heap.first?.at }

    mutating func insert(_ key: TimerKey, at: Millis) {
        seq += 1
        heap.append(Entry(at: at, seq: seq, key: key))
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard less(heap[i], heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    /// Removes and returns every timer due at or before `now`, in order.
    mutating func popDue(_ now: Millis, limit: Int = .max) -> [TimerKey] {
        var due: [TimerKey] = []
        while let first = heap.first, first.at <= now, due.count < limit {
            due.append(first.key)
            let last = heap.removeLast()
            guard !heap.isEmpty else { break }
            heap[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count && less(heap[l], heap[m]) { m = l }
                if r < heap.count && less(heap[r], heap[m]) { m = r }
                guard m != i else { break }
                heap.swapAt(i, m)
                i = m
            }
        }
        return due
    }

    private func less(_ a: Entry, _ b: Entry) -> Bool { a.at != b.at ? a.at < b.at : a.seq < b.seq }
}
