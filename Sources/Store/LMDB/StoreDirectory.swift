import Glibc

/// The directory that holds a store: created on demand, owner-only,
/// because it holds device tokens and message bodies.
enum StoreDirectory {
    /// `path` without trailing slashes, so file names join cleanly.
    static func normalize(_ path: String) -> String {
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") {
            p = p.dropLast()
        }
        return String(p)
    }

    /// `mkdir -p path` with mode 0700 for every directory it creates.
    static func create(_ path: String) throws(StoreError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o700) != 0 {
                let e = errno
                if e != EEXIST {
                    throw StoreError(.io, code: e, "cannot create store directory \(prefix): \(LMDBError.text(e))")
                }
            }
            prefix += "/"
        }
    }

    /// Whether the filesystem holding `path` has (almost) no space left.
    ///
    /// LMDB reports a short write as EIO ("short write, filesystem
    /// full?"), and a full filesystem is what makes `pwritev` short; a
    /// filesystem with less than a megabyte free after such a write is
    /// taken to be full.
    static func isNearlyFull(_ path: String) -> Bool {
        var s = statvfs()
        guard statvfs(path, &s) == 0 else { return false }
        return UInt64(s.f_bavail) * UInt64(s.f_frsize) < 1 << 20
    }
}
