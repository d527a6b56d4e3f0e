import Glibc

/// What must hold before LMDB may map a store's data file: a store that
/// existed is not silently replaced by an empty one, and the file is
/// whole and sound (LMDB would crash the process on either).
enum OpenCheck {
    /// Checks the store in `directory` (which the caller has locked).
    /// Returns its marker, or nil for a directory without one: a new
    /// store, or one written before markers existed.
    static func run(_ directory: String) throws(StoreError) -> StoreMarker? {
        let marker = try StoreMarker.read(directory)
        let dataFile = directory + "/data.mdb"
        var st = stat()
        var size = 0
        if stat(dataFile, &st) == 0 {
            size = Int(st.st_size)
        } else if errno != ENOENT {
            let e = errno
            throw StoreError(.io, code: e, "cannot open \(dataFile): \(LMDBError.text(e))")
        }
        if size == 0 {
            guard let marker else { return nil }
            let state = access(dataFile, F_OK) == 0 ? "is empty" : "is missing"
            throw StoreError(.corrupt, """
                \(dataFile) \(state), but \(directory) held store \(marker.id), created \(marker.createdText): \
                every registration and enablement in it is lost. Restore the store from a backup (nudge backup); \
                only to start over with an empty store, remove \(directory)/\(StoreMarker.fileName)
                """)
        }
        _ = try DataFileCheck.run(dataFile)
        return marker
    }
}
