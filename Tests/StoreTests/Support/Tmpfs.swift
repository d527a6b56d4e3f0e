import Glibc

/// A tiny tmpfs, to fill a disk for real.
enum Tmpfs {
    /// Whether this process may mount a tmpfs (root, or CAP_SYS_ADMIN).
    /// Probed once by mounting and unmounting one.
    static let isAvailable: Bool = {
        (try? withTempDir { dir in
            guard mount("tmpfs", dir, "tmpfs", 0, "size=64k") == 0 else { return false }
            umount2(dir, Int32(MNT_DETACH))
            return true
        }) ?? false
    }()

    /// Mounts a tmpfs of `size` (e.g. "1m") on `dir` for the body.
    static func with<R>(size: String, at dir: String, _ body: () throws -> R) throws -> R {
        guard mount("tmpfs", dir, "tmpfs", 0, "size=\(size),mode=0700") == 0 else {
            throw StoreTestError("mount tmpfs on \(dir): \(String(cString: strerror(errno)))")
        }
        defer { umount2(dir, Int32(MNT_DETACH)) }
        return try body()
    }
}
