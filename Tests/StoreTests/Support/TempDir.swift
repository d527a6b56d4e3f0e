import Glibc

/// A fresh directory under /tmp for one test, removed with its contents
/// afterwards.
func withTempDir<R>(_ body: (String) throws -> R) throws -> R {
    var template = Array("/tmp/nudge-store-test-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    guard made != nil else {
        throw StoreTestError("mkdtemp failed: \(String(cString: strerror(errno)))")
    }
    let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    defer { removeTree(path) }
    return try body(path)
}

/// `rm -rf path`, without spawning a shell from a multi-threaded runner.
func removeTree(_ path: String) {
    if let dir = opendir(path) {
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name == "." || name == ".." { continue }
            let child = path + "/" + name
            if entry.pointee.d_type == UInt8(DT_DIR) {
                removeTree(child)
            } else {
                unlink(child)
            }
        }
        closedir(dir)
        rmdir(path)
    } else {
        unlink(path)
    }
}

/// A failure of the test's own scaffolding, as opposed to the store.
struct StoreTestError: Error, Equatable, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
