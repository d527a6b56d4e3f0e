/// When each request must have been sent, and once sent, when it must
/// have its answer: min-heaps of (deadline, transfer), on the transport
/// thread only.
///
/// The time allowed for an answer starts when curl sends the request, not
/// when it was submitted: in a vendor storm a request can wait for a new
/// connection or a free stream, and a budget spent waiting would time out
/// a request the vendor then answers, which is sent again after the
/// vendor's 200. An entry is superseded when its transfer is sent again
/// (curl retries on another connection) and dropped when it finishes;
/// both are recognised lazily, when the entry comes up.
struct AttemptDeadlines {
    /// A deadline of one transfer. `tag` is the transfer's serial number
    /// (for the send deadline) or the send's number (for an answer
    /// deadline): it tells a later send of the same transfer, or another
    /// transfer on a reused easy handle, from the one the entry was for.
    struct Entry {
        let deadline: Int
        let easy: UnsafeMutableRawPointer
        let tag: UInt64
    }

    private var heap: [Entry] = []

    var isEmpty: Bool { heap.isEmpty }
    var count: Int { heap.count }

    /// The earliest deadline, for the loop's sleep.
    var next: Int? { heap.first?.deadline }

    mutating func insert(_ entry: Entry) {
        heap.append(entry)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].deadline < heap[parent].deadline else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    /// Drops the entries `keep` refuses (those of finished transfers), so
    /// that a busy transport does not hold one entry per request of the
    /// last minute.
    mutating func retain(_ keep: (Entry) -> Bool) {
        let kept = heap.filter(keep)
        heap = []
        heap.reserveCapacity(kept.count)
        for entry in kept { insert(entry) }
    }

    /// The entries due at `now`, earliest first.
    mutating func popDue(_ now: Int) -> [Entry] {
        var due: [Entry] = []
        while let first = heap.first, first.deadline <= now {
            due.append(first)
            heap.swapAt(0, heap.count - 1)
            heap.removeLast()
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var smallest = i
                if l < heap.count && heap[l].deadline < heap[smallest].deadline { smallest = l }
                if r < heap.count && heap[r].deadline < heap[smallest].deadline { smallest = r }
                guard smallest != i else { break }
                heap.swapAt(i, smallest)
                i = smallest
            }
        }
        return due
    }
}
