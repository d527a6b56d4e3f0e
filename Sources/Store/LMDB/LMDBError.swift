import CLMDB
import Glibc

/// Turns LMDB and errno codes into `StoreError`s.
enum LMDBError {
    /// LMDB's text for `rc`; for errno values this is `strerror`'s.
    static func text(_ rc: Int32) -> String {
        String(cString: mdb_strerror(rc))
    }

    /// An error for `rc` met while doing `context` ("cannot write /x/data.mdb").
    static func make(_ rc: Int32, _ context: String) -> StoreError {
        StoreError(kind(rc), code: rc, "\(context): \(text(rc))")
    }

    static func kind(_ rc: Int32) -> StoreError.Kind {
        switch rc {
        case ENOSPC, EFBIG, EDQUOT, MDB_MAP_FULL:
            return .full
        case MDB_CORRUPTED, MDB_PAGE_NOTFOUND, MDB_INVALID, MDB_VERSION_MISMATCH:
            return .corrupt
        case MDB_BAD_VALSIZE, MDB_TXN_FULL:
            return .invalidArgument
        default:
            return .io
        }
    }

    /// Whether `error` is LMDB's "map full", the one failure `write`
    /// answers by growing the map and running the body again.
    static func isMapFull(_ error: StoreError?) -> Bool {
        error?.code == MDB_MAP_FULL
    }
}
