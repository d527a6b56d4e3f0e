import Glibc
import Testing
import NudgeCrypto

/// A private temporary directory per test, removed afterwards.
final class TemporaryDirectory {
    let path: String

    init() {
        var template = Array("/tmp/nudge-keyfile-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { fatalError("mkdtemp failed: errno \(errno)") }
        path = String(cString: made)
    }

    deinit {
        if let directory = opendir(path) {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
                if name != "." && name != ".." {
                    let child = path + "/" + name
                    if rmdir(child) != 0 { unlink(child) }
                }
            }
            closedir(directory)
        }
        rmdir(path)
    }

    /// Writes `bytes` to `name` with exactly `mode` (fchmod, so umask does not interfere).
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8], mode: mode_t) -> String {
        let file = path + "/" + name
        let descriptor = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        precondition(descriptor >= 0, "cannot create \(file)")
        defer { close(descriptor) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            precondition(written > 0, "cannot write \(file)")
            offset += written
        }
        precondition(fchmod(descriptor, mode) == 0)
        return file
    }
}

@Suite struct KeyFileTests {
    let configKey = "appserver.backends[0].key_file"

    @Test func readsContentsWithoutWarningAt0600() throws {
        let directory = TemporaryDirectory()
        let file = directory.write("AuthKey.p8", Array(TestKeys.p256PKCS8.utf8), mode: 0o600)
        let keyFile = try KeyFile.read(file, configKey: configKey)
        #expect(keyFile.contents == TestKeys.p256PKCS8)
        #expect(keyFile.permissionWarning == nil)
        #expect(try P256PrivateKey(pem: keyFile.contents).publicKey == hex(TestKeys.p256Public))
        // Owner-only read is as good as 0600.
        let readOnly = directory.write("ro.p8", [0x41], mode: 0o400)
        #expect(try KeyFile.read(readOnly, configKey: configKey).permissionWarning == nil)
    }

    @Test func warnsAt0644() throws {
        let directory = TemporaryDirectory()
        let file = directory.write("AuthKey.p8", Array("key".utf8), mode: 0o644)
        let keyFile = try KeyFile.read(file, configKey: configKey)
        #expect(keyFile.contents == "key")
        #expect(keyFile.permissionWarning == "\(configKey): \(file) is readable by others (mode 0644); run chmod 600 \(file)")
    }

    @Test func warnsForGroupAndWriteAccess() throws {
        let directory = TemporaryDirectory()
        let groupReadable = directory.write("a", [0x41], mode: 0o640)
        #expect(try KeyFile.read(groupReadable, configKey: configKey).permissionWarning
                == "\(configKey): \(groupReadable) is readable by others (mode 0640); run chmod 600 \(groupReadable)")
        let worldWritable = directory.write("b", [0x41], mode: 0o666)
        #expect(try KeyFile.read(worldWritable, configKey: configKey).permissionWarning
                == "\(configKey): \(worldWritable) is readable and writable by others (mode 0666); run chmod 600 \(worldWritable)")
        let groupWritable = directory.write("c", [0x41], mode: 0o620)
        #expect(try KeyFile.read(groupWritable, configKey: configKey).permissionWarning
                == "\(configKey): \(groupWritable) is writable by others (mode 0620); run chmod 600 \(groupWritable)")
    }

    @Test func missingFileNamesKeyAndPath() {
        let directory = TemporaryDirectory()
        let file = directory.path + "/missing.p8"
        #expect(cryptoError { try KeyFile.read(file, configKey: configKey) }
                == CryptoError("\(configKey): cannot read \(file): No such file or directory"))
    }

    @Test func directoryIsRefused() {
        let directory = TemporaryDirectory()
        #expect(cryptoError { try KeyFile.read(directory.path, configKey: configKey) }
                == CryptoError("\(configKey): cannot read \(directory.path): not a regular file"))
    }

    /// Exactly 1 MiB is accepted; one byte more is refused.
    @Test func sizeLimit() throws {
        let directory = TemporaryDirectory()
        let limit = directory.write("limit", [UInt8](repeating: 0x41, count: 1 << 20), mode: 0o600)
        #expect(try KeyFile.read(limit, configKey: configKey).contents.utf8.count == 1 << 20)
        let tooBig = directory.write("big", [UInt8](repeating: 0x41, count: (1 << 20) + 1), mode: 0o600)
        #expect(cryptoError { try KeyFile.read(tooBig, configKey: configKey) }
                == CryptoError("\(configKey): \(tooBig) is 1048577 bytes, larger than the 1 MiB a credential file can be"))
    }

    @Test func binaryFileIsRefused() {
        let directory = TemporaryDirectory()
        let file = directory.write("key.der", [0x30, 0x82, 0xff, 0xfe], mode: 0o600)
        #expect(cryptoError { try KeyFile.read(file, configKey: "vapid_private_key_file") }
                == CryptoError("vapid_private_key_file: \(file) is not UTF-8 text (a PEM or JSON file is expected)"))
    }
}

extension KeyFileTests {
    /// A FIFO is refused at once rather than blocking until a writer appears.
    @Test func fifoIsRefusedWithoutBlocking() {
        let directory = TemporaryDirectory()
        let fifo = directory.path + "/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(cryptoError { try KeyFile.read(fifo, configKey: configKey) }
                == CryptoError("\(configKey): cannot read \(fifo): not a regular file"))
    }
}
