import CStoreCheck
import Glibc

/// LMDB trusts its data file: a truncated or damaged one makes it read
/// outside its map and the host dies. This runs CStoreCheck's bounded walk
/// (pread only) before LMDB is allowed to touch the file.
enum DataFileCheck {
    /// What a walk found: the snapshot checked, or why it must be retried.
    enum Outcome {
        case sound(txnid: UInt64)
        case moved
    }

    /// Walks `dataFile`. `txnid` 0 checks what `mdb_env_open` would use
    /// (and first that the file is as long as its meta page says);
    /// otherwise the snapshot the caller holds a read transaction on.
    static func run(_ dataFile: String, txnid: UInt64 = 0) throws(StoreError) -> Outcome {
        let fd = open(dataFile, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            throw StoreError(.io, code: e, "cannot open \(dataFile): \(LMDBError.text(e))")
        }
        defer { close(fd) }
        var checked: UInt64 = 0
        var message = [CChar](repeating: 0, count: 512)
        let rc = storecheck_walk(fd, txnid, &checked, &message, message.count)
        let e = errno
        let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        switch rc {
        case STORECHECK_OK: return .sound(txnid: checked)
        case STORECHECK_MOVED: return .moved
        case STORECHECK_DAMAGED:
            throw StoreError(.corrupt, "\(dataFile) is damaged: \(text); restore the store from a backup (nudge backup)")
        default:
            throw StoreError(.io, code: e, "cannot check \(dataFile): \(text)")
        }
    }
}
