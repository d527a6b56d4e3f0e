import Glibc

/// `<store>/nudge-store`: a small file outside data.mdb that says a store
/// was created here, with its id and creation time.
///
/// LMDB turns a missing or zero-length data.mdb into a new, empty store
/// without a word, which would forget every registration and enablement.
/// With the marker, such a directory is refused with an error that names
/// the loss. It is written durably (temporary file, fsync, rename, fsync
/// of the directory), so a crash leaves either no marker or a whole one.
struct StoreMarker: Equatable {
    static let fileName = "nudge-store"

    /// Random, so that a backup and the store it came from can be told apart
    /// from unrelated stores (a backup keeps its store's id).
    var id: String
    /// Seconds since the epoch at creation.
    var created: Int

    /// A marker for a store created now.
    static func fresh() -> StoreMarker {
        var rng = SystemRandomNumberGenerator()
        let id = (0..<2).map { _ in
            let s = String(rng.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - s.count) + s
        }.joined()
        return StoreMarker(id: id, created: time(nil))
    }

    /// The marker in `directory`, or nil when there is none. A marker whose
    /// text cannot be parsed still says a store was here.
    static func read(_ directory: String) throws(StoreError) -> StoreMarker? {
        let path = directory + "/" + fileName
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            if e == ENOENT { return nil }
            throw StoreError(.io, code: e, "cannot open \(path): \(LMDBError.text(e))")
        }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = Glibc.read(fd, &buffer, buffer.count)
        guard n >= 0 else {
            let e = errno
            throw StoreError(.io, code: e, "cannot read \(path): \(LMDBError.text(e))")
        }
        var marker = StoreMarker(id: "(unreadable)", created: 0)
        for line in String(decoding: buffer[..<n], as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { continue }
            if parts[0] == "id" { marker.id = String(parts[1]) }
            if parts[0] == "created", let t = Int(parts[1]) { marker.created = t }
        }
        return marker
    }

    /// Writes the marker into `directory` durably, replacing any.
    func write(_ directory: String) throws(StoreError) {
        let path = directory + "/" + Self.fileName
        let temporary = path + ".tmp"
        let text = "nudge store\nid \(id)\ncreated \(created)\n"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Self.failure("create", temporary) }
        let bytes = Array(text.utf8)
        let written = Glibc.write(fd, bytes, bytes.count)
        if written != bytes.count || fsync(fd) != 0 {
            let error = Self.failure("write", temporary)
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw Self.failure("rename", temporary) }
        try Self.syncDirectory(directory)
    }

    /// When the store was created, for messages ("2026-12-02 14:00:11 UTC").
    var createdText: String {
        var t = time_t(created)
        var parts = tm()
        guard gmtime_r(&t, &parts) != nil else { return "an unknown time" }
        var buffer = [CChar](repeating: 0, count: 32)
        strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M:%S UTC", &parts)
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// fsync of a directory, so that a rename or a new file in it survives a crash.
    static func syncDirectory(_ directory: String) throws(StoreError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open", directory) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw failure("fsync", directory) }
    }

    private static func failure(_ what: String, _ path: String) -> StoreError {
        let e = errno
        return StoreError(e == ENOSPC || e == EDQUOT ? .full : .io, code: e,
                          "cannot \(what) \(path): \(LMDBError.text(e))")
    }
}
