import CLMDB
import Glibc

/// What `verify` checked.
public struct VerifyReport: Sendable, Equatable {
    /// The transaction id of the snapshot that was checked.
    public var txnid: UInt64
    /// Records decoded, per table.
    public var entries: [Table: Int]
}

/// On-demand checks and copies of a live store. Both run alongside the
/// writer: they read one snapshot in a read transaction, which LMDB keeps
/// intact however much is committed meanwhile.
extension LMDBDatabase {
    /// How often a walk is retried when two commits overwrote the meta page
    /// of its snapshot before the walk could read it.
    private static let verifyAttempts = 8

    /// Walks every page of the current snapshot without trusting it, then
    /// decodes every record in it with the record codecs.
    func verify() throws(StoreError) -> VerifyReport {
        for _ in 0..<Self.verifyAttempts {
            let report = try withEnvironment { (environment) throws(StoreError) -> VerifyReport? in
                let reader = try LMDBReader(environment, readOnly: true)
                defer { reader.abort() }
                // size_t imports as Int; a damaged meta page can give any value.
                let txnid = UInt64(truncatingIfNeeded: mdb_txn_id(try reader.live()))
                guard case .sound = try DataFileCheck.run(environment.dataFile, txnid: txnid) else { return nil }
                return VerifyReport(txnid: txnid, entries: try reader.decodeEveryRecord())
            }
            if let report { return report }
        }
        throw StoreError(.io, "cannot verify \(directory): it changed faster than it could be read; try again")
    }

    /// Verifies, then writes a compacted copy of the store into `target`
    /// (a new or empty directory) with its own marker, all synced to disk,
    /// so that it opens as a store. Returns the copy's size in bytes.
    func backup(to target: String) throws(StoreError) -> Int {
        let target = StoreDirectory.normalize(target)
        guard !target.isEmpty else { throw StoreError(.invalidArgument, "path: required (the backup directory)") }
        try Self.requireEmptyDirectory(target)
        _ = try verify()
        try StoreDirectory.create(target)
        let copy = target + "/data.mdb"
        try withEnvironment { (environment) throws(StoreError) in
            let rc = mdb_env_copy2(environment.handle, target, UInt32(MDB_CP_COMPACT))
            if rc != 0 { throw LMDBError.make(rc, "cannot copy \(directory) to \(target)") }
        }
        let fd = open(copy, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            throw StoreError(.io, code: e, "cannot open \(copy): \(LMDBError.text(e))")
        }
        defer { Glibc.close(fd) }
        var st = stat()
        guard fsync(fd) == 0, fstat(fd, &st) == 0 else {
            let e = errno
            throw StoreError(.io, code: e, "cannot sync \(copy): \(LMDBError.text(e))")
        }
        try (marker ?? StoreMarker.fresh()).write(target)
        return Int(st.st_size)
    }

    /// A backup never overwrites: an existing target must be an empty directory.
    private static func requireEmptyDirectory(_ path: String) throws(StoreError) {
        guard let dir = opendir(path) else {
            let e = errno
            if e == ENOENT { return }
            throw StoreError(e == ENOTDIR ? .invalidArgument : .io, code: e,
                             "path: cannot use \(path) for a backup: \(LMDBError.text(e))")
        }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." {
                throw StoreError(.invalidArgument, "path: \(path) is not empty; a backup never overwrites files")
            }
        }
    }
}
