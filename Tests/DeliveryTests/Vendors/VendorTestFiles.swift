import Glibc
import NudgeXMPP

/// A private temporary directory for one test's key files, removed after.
final class VendorTestDirectory {
    let path: String

    init() {
        var template = Array("/tmp/nudge-vendors-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { fatalError("mkdtemp failed: errno \(errno)") }
        path = String(cString: made)
    }

    deinit {
        for name in written { unlink(path + "/" + name) }
        rmdir(path)
    }

    private var written: [String] = []

    /// Writes `text` to `name` with exactly `mode` (fchmod, so the umask does
    /// not interfere) and returns the file's path.
    @discardableResult
    func write(_ name: String, _ text: String, mode: mode_t = 0o600) -> String {
        let file = path + "/" + name
        let descriptor = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        precondition(descriptor >= 0, "cannot create \(file)")
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            precondition(count > 0, "cannot write \(file)")
            offset += count
        }
        precondition(fchmod(descriptor, mode) == 0, "cannot chmod \(file)")
        if !written.contains(name) { written.append(name) }
        return file
    }

    /// A service-account file; `change` edits the JSON first (drop a field,
    /// swap the key, …).
    func serviceAccount(_ change: (inout JSONObject) -> Void = { _ in }, mode: mode_t = 0o600) -> String {
        var account: JSONObject = [
            "type": "service_account",
            "project_id": .string(VendorTestKeys.projectID),
            "private_key_id": .string(VendorTestKeys.privateKeyID),
            "private_key": .string(VendorTestKeys.rsa2048PKCS8),
            "client_email": .string(VendorTestKeys.clientEmail),
            "client_id": "100000000000000000000",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": .string(VendorTestKeys.tokenURI),
        ]
        change(&account)
        return write("service-account.json", JSON.object(account).serialized(), mode: mode)
    }
}
