import Glibc
import Testing
import NudgeDelivery

/// Requests that get no response, each failing with the kind a retry
/// policy needs and a message that says what happened.
@Suite struct TransportFailureTests {
    @Test func untrustedCertificateIsATLSFailure() async throws {
        let server = try H2TestServer()
        let transport = try HTTPTransport()
        defer { transport.close() }
        var request = server.request("/echo")
        request.caFile = nil   // the system's CAs do not know the test CA
        let failure = try #require(await transport.fetch(request).failure)
        #expect(failure.kind == .tls)
        #expect(failure.message.contains("cert"), "\(failure.message)")
    }

    @Test func refusedConnectionIsAConnectFailure() async throws {
        let transport = try HTTPTransport()
        defer { transport.close() }
        let port = try closedLoopbackPort()
        let failure = try #require(await transport.fetch(HTTPRequest(url: "https://127.0.0.1:\(port)/")).failure)
        #expect(failure.kind == .connect)
        #expect(failure.message.contains("onnect"), "\(failure.message)")
    }

    @Test func slowAnswerBeyondTheTimeoutIsATimeout() async throws {
        let server = try H2TestServer()
        let transport = try HTTPTransport()
        defer { transport.close() }
        var request = server.request("/slow/5000")
        request.timeoutMs = 300
        // A timeout, not the answer the server sends after 5 s (which would
        // be a success): no wall-clock bound needed, none that a loaded
        // machine could break.
        let failure = try #require(await transport.fetch(request).failure)
        #expect(failure.kind == .timeout)
        #expect(failure.message.contains("imed out"), "\(failure.message)")
        // Counted from the send (TransportTimeoutTests), and the connection
        // stays usable for the next request.
        #expect(failure.message.contains("within 300 ms of sending"), "\(failure.message)")
        #expect(await transport.fetch(server.request("/echo")).status == 200)
    }

    @Test func headerWithALineBreakIsRefusedBeforeAnythingIsSent() async throws {
        let server = try H2TestServer()
        let transport = try HTTPTransport()
        defer { transport.close() }
        var request = server.request("/echo")
        request.headers = [("x-a", "b\r\nx-injected: 1")]
        let failure = try #require(await transport.fetch(request).failure)
        #expect(failure.kind == .other)
        #expect(failure.message.contains("x-a"))
        #expect(try await server.stats(via: transport).streams == 1)   // only /stats
    }

    @Test func otherSchemesAreRefused() async throws {
        let transport = try HTTPTransport()
        defer { transport.close() }
        let failure = try #require(await transport.fetch(HTTPRequest(url: "file:///etc/passwd")).failure)
        #expect(failure.kind == .other)
        #expect(failure.message.contains("not supported") || failure.message.contains("disabled"), "\(failure.message)")
    }

    @Test func invalidMethodIsRefused() async throws {
        let transport = try HTTPTransport()
        defer { transport.close() }
        var request = HTTPRequest(url: "https://127.0.0.1:1/")
        request.method = "GET /x"
        let failure = try #require(await transport.fetch(request).failure)
        #expect(failure.kind == .other)
    }

    /// A port nothing listens on: bound, then released.
    private func closedLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw TestSupportError(description: "cannot bind a loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
