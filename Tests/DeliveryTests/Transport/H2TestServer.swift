import Glibc
import NudgeDelivery

/// tests/support/h2_test_server.py on a free loopback port, for one test.
/// It is a module of the tests' package, run from the top of the
/// repository (`env -C`: Glibc's posix_spawn_file_actions_addchdir_np is
/// not visible from Swift).
final class H2TestServer: @unchecked Sendable {
    let port: Int
    let certificates: TestCertificates
    private let process: ChildProcess

    /// Starts the server with extra arguments (`--max-streams 1`, …) and
    /// waits for it to listen.
    init(_ arguments: [String] = []) throws {
        certificates = try TestCertificates.shared()
        process = try ChildProcess(["/usr/bin/env", "-C", RepoRoot.path(), try RepoRoot.python(),
                                    "-m", "tests.support.h2_test_server", "--port", "0", "--watch-stdin",
                                    "--cert", certificates.serverCert, "--key", certificates.serverKey] + arguments)
        guard let line = process.readLine(), line.hasPrefix("PORT "), let port = Int(line.dropFirst(5)) else {
            process.terminate()
            throw TestSupportError(description: "h2_test_server.py did not report its port (see its stderr)")
        }
        self.port = port
    }

    deinit { process.terminate() }

    /// A request to `path` on this server that trusts the test CA.
    func request(_ path: String, method: String = "POST", body: [UInt8] = []) -> HTTPRequest {
        var request = HTTPRequest(url: "https://127.0.0.1:\(port)\(path)", body: body)
        request.method = method
        request.caFile = certificates.caFile
        return request
    }

    /// The server's counters (GET /stats), fetched through `transport`.
    func stats(via transport: HTTPTransport) async throws -> ServerStats {
        let response = try await transport.fetch(request("/stats", method: "GET")).get()
        return ServerStats(json: String(decoding: response.body, as: UTF8.self))
    }
}

/// The counters of GET /stats.
struct ServerStats {
    let json: String
    var connections: Int { value("connections") }
    var streams: Int { value("streams") }
    var maxOpenStreams: Int { value("max_open_streams") }
    var streamLimitViolations: Int { value("stream_limit_violations") }
    var refusedStreams: Int { value("refused_streams") }
    var pings: Int { value("pings") }
    var goaways: Int { value("goaways") }

    /// The flat object has only integers, so finding `"key": ` and reading
    /// digits is a complete parser for it; -1 if the key is missing.
    private func value(_ key: String) -> Int {
        let needle = Array("\"\(key)\": ".utf8)
        let bytes = Array(json.utf8)
        guard bytes.count >= needle.count,
              let start = (0...(bytes.count - needle.count)).first(where: { bytes[$0..<($0 + needle.count)].elementsEqual(needle) })
        else { return -1 }
        let digits = bytes[(start + needle.count)...].prefix { $0 >= 0x30 && $0 <= 0x39 }
        return Int(String(decoding: digits, as: UTF8.self)) ?? -1
    }
}

extension HTTPTransport {
    /// `send` as an async call.
    func fetch(_ request: HTTPRequest) async -> Result<HTTPResponse, HTTPFailure> {
        await withCheckedContinuation { continuation in
            send(request) { continuation.resume(returning: $0) }
        }
    }
}
