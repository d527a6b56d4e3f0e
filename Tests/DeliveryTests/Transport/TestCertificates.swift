import Glibc

/// A throwaway CA with a server certificate for localhost/127.0.0.1 and a
/// client certificate, made once per test process by
/// tests/support/make_test_ca.py and removed at exit.
struct TestCertificates: Sendable {
    let directory: String
    var caFile: String { directory + "/ca.pem" }
    var serverCert: String { directory + "/server.pem" }
    var serverKey: String { directory + "/server.key" }
    var clientCert: String { directory + "/client.pem" }
    var clientKey: String { directory + "/client.key" }

    static func shared() throws -> TestCertificates { try made.get() }

    static let fileNames = ["ca.pem", "server.pem", "server.key", "client.pem", "client.key"]
}

/// Made on first use, exactly once, even with tests running in parallel.
private let made: Result<TestCertificates, TestSupportError> = {
    do {
        let python = try RepoRoot.python()
        var template = Array("/tmp/nudge-transport-ca-XXXXXX".utf8CString)
        guard let dir = mkdtemp(&template) else {
            return .failure(TestSupportError(description: "mkdtemp: \(String(cString: strerror(errno)))"))
        }
        let directory = String(cString: dir)
        certificateDirectory = strdup(directory)
        atexit(removeCertificates)
        let child = try ChildProcess([python, RepoRoot.path() + "/tests/support/make_test_ca.py", directory])
        let status = child.wait()
        guard status == 0 else {
            return .failure(TestSupportError(description: "make_test_ca.py failed with status \(status)"))
        }
        return .success(TestCertificates(directory: directory))
    } catch let error as TestSupportError {
        return .failure(error)
    } catch {
        return .failure(TestSupportError(description: "\(error)"))
    }
}()

/// Written once, before the atexit handler that reads it is registered.
nonisolated(unsafe) private var certificateDirectory: UnsafeMutablePointer<CChar>?

private func removeCertificates() {
    guard let dir = certificateDirectory else { return }
    let directory = String(cString: dir)
    for name in TestCertificates.fileNames { unlink(directory + "/" + name) }
    rmdir(directory)
}
