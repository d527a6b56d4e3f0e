import Glibc

/// An exclusive `flock` on `<store>/lock`, held while a store is open.
///
/// LMDB tolerates several processes on one environment, but Nudge's single
/// writer thread, its group commits and its clean-shutdown flag assume
/// one owner. The lock also keeps this process from opening the same
/// environment twice, which LMDB forbids (closing either copy would drop
/// the other's POSIX locks). `flock` locks belong to the open file, so the
/// kernel releases this one when the process dies, however it dies.
final class StoreLock {
    private let fd: Int32

    init(directory: String) throws(StoreError) {
        let path = directory + "/lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let e = errno
            throw StoreError(.io, code: e, "cannot open \(path): \(LMDBError.text(e))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let e = errno
            Glibc.close(fd)
            if e == EWOULDBLOCK {
                throw StoreError(.locked, code: e, "store \(directory) is in use by another process")
            }
            throw StoreError(.io, code: e, "cannot lock \(path): \(LMDBError.text(e))")
        }
        self.fd = fd
    }

    deinit {
        Glibc.close(fd)
    }
}
