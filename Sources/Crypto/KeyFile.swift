import Glibc

/// Reading credential files operators configure (APNs .p8, FCM service-account JSON, VAPID PEM, client certificates).
public struct KeyFile: Sendable {
    /// Largest file accepted. Credential files are a few KiB; anything far
    /// bigger is a wrong path (a log, a disk image), not a key.
    public static let maximumSize = 1 << 20

    /// The file's text.
    public let contents: String
    /// Set when the file is readable or writable by group or others (mode & 0o077 != 0): "appserver.backends[0].key_file: /etc/x.p8 is readable by others (mode 0644); run chmod 600 /etc/x.p8". Nudge logs it once; it does not refuse.
    public let permissionWarning: String?

    /// Reads the whole file at `path` as UTF-8 text.
    /// - configKey: the configuration key that named the file, used in every message ("appserver.backends[0].key_file: cannot read /x: Permission denied"); files over 1 MiB are refused.
    ///
    /// Also refused: paths that are not regular files and contents that are
    /// not UTF-8 (keys and JSON are text; binary DER means the wrong file).
    /// Symbolic links are followed, as secret stores often mount keys so.
    public static func read(_ path: String, configKey: String) throws(CryptoError) -> KeyFile {
        func failure(_ problem: String) -> CryptoError { CryptoError("\(configKey): \(problem)") }
        func systemReason(_ code: Int32) -> String { String(cString: strerror(code)) }

        // O_NONBLOCK so that a FIFO named by mistake fails the regular-file
        // check below instead of hanging until a writer appears; it has no
        // effect on reading regular files.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw failure("cannot read \(path): \(systemReason(errno))") }
        defer { close(descriptor) }

        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw failure("cannot read \(path): \(systemReason(errno))") }
        guard status.st_mode & S_IFMT == S_IFREG else { throw failure("cannot read \(path): not a regular file") }
        guard status.st_size <= maximumSize else {
            throw failure("\(path) is \(status.st_size) bytes, larger than the 1 MiB a credential file can be")
        }

        // Read until end of file rather than trusting st_size, and stop one
        // byte past the limit in case the file grew after fstat.
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while bytes.count <= maximumSize {
            let got = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if got == 0 { break }
            if got < 0 {
                if errno == EINTR { continue }
                throw failure("cannot read \(path): \(systemReason(errno))")
            }
            bytes += chunk[..<got]
        }
        guard bytes.count <= maximumSize else {
            throw failure("\(path) is larger than the 1 MiB a credential file can be")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw failure("\(path) is not UTF-8 text (a PEM or JSON file is expected)")
        }
        return KeyFile(contents: text, permissionWarning: permissionWarning(path, mode: status.st_mode, configKey: configKey))
    }

    /// The warning for a file whose group or other permission bits are set
    /// ("others" meaning anyone but the owner), or nil. Such a key is
    /// exposed to other local accounts, but refusing it would break working
    /// installations, so it is only reported.
    static func permissionWarning(_ path: String, mode: mode_t, configKey: String) -> String? {
        let permissions = mode & 0o7777
        guard permissions & 0o077 != 0 else { return nil }
        let readable = permissions & 0o044 != 0
        let writable = permissions & 0o022 != 0
        // Execute alone (0o011) exposes nothing, but it is still more than
        // a key file needs, and chmod 600 fixes it all the same.
        let access = readable && writable ? "readable and writable" : readable ? "readable" : writable ? "writable" : "accessible"
        let octal = String(permissions, radix: 8)
        let padded = String(repeating: "0", count: max(0, 4 - octal.count)) + octal
        return "\(configKey): \(path) is \(access) by others (mode \(padded)); run chmod 600 \(path)"
    }
}
