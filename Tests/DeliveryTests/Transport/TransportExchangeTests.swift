import Glibc
import Testing
import NudgeDelivery

/// Single exchanges with the HTTP/2 test server: what goes out and what
/// comes back, byte for byte.
@Suite struct TransportExchangeTests {
    @Test func echoRoundTripWithHeadersAndBinaryBodyOverHTTP2() async throws {
        let server = try H2TestServer()
        let transport = try HTTPTransport()
        defer { transport.close() }
        let body = (0...255).map { UInt8($0) }
        var request = server.request("/echo", body: body)
        request.headers = [("X-Nudge-Test", "hello"), ("apns-priority", "10"), ("Content-Type", "application/octet-stream")]

        let response = try await transport.fetch(request).get()
        #expect(response.status == 200)
        #expect(response.httpVersion == 2)
        #expect(response.header("Content-Type") == "application/json")
        #expect(response.headers.allSatisfy { $0.name == $0.name.lowercased() })
        let echo = String(decoding: response.body, as: UTF8.self)
        #expect(echo.contains("\"body\": " + EchoJSON.string(latin1: body)))
        #expect(echo.contains("\"x-nudge-test\": \"hello\""))
        #expect(echo.contains("\"apns-priority\": \"10\""))
        #expect(echo.contains("\"content-type\": \"application/octet-stream\""))
        #expect(echo.contains("\"content-length\": \"256\""))
        #expect(echo.contains("\"user-agent\": \"nudge\""))
        #expect(echo.contains("\":method\": \"POST\""))
        #expect(!response.bodyTruncated)
    }

    @Test func curlsDefaultFormContentTypeIsNotSent() async throws {
        let server = try H2TestServer()
        let transport = try HTTPTransport()
        defer { transport.close() }
        let response = try await transport.fetch(server.request("/echo", body: Array("{}".utf8))).get()
        let echo = String(decoding: response.body, as: UTF8.self)
        #expect(response.status == 200)
        #expect(!echo.contains("content-type"))
        #expect(!echo.contains("expect"))
    }

    @Test func emptyHeaderValueIsSentEmpty() async throws {
        let server = try H2TestServer()
        let transport = try HTTPTransport()
        defer { transport.close() }
        var request = server.request("/echo")
        request.headers = [("x-empty", "")]
        let echo = String(decoding: try await transport.fetch(request).get().body, as: UTF8.self)
        #expect(echo.contains("\"x-empty\": \"\""))
    }

    @Test func redirectIsReturnedAsIsNotFollowed() async throws {
        let server = try H2TestServer()
        let transport = try HTTPTransport()
        defer { transport.close() }
        let response = try await transport.fetch(server.request("/redirect", body: Array("x".utf8))).get()
        #expect(response.status == 302)
        #expect(response.header("location") == "/echo")
        #expect(response.body.isEmpty)
        // Followed, the server would have seen a second request.
        #expect(try await server.stats(via: transport).streams == 2)
    }

    @Test func errorStatusComesBackWithItsHeaders() async throws {
        let server = try H2TestServer()
        let transport = try HTTPTransport()
        defer { transport.close() }
        let response = try await transport.fetch(server.request("/status/429")).get()
        #expect(response.status == 429)
        #expect(response.header("Retry-After") == "3")
        #expect(response.header("retry-after") == "3")
        #expect(String(decoding: response.body, as: UTF8.self) == "{\"status\": 429}")
    }

    @Test func bodyBeyond64KiBIsTruncatedAndTheConnectionStaysUsable() async throws {
        let server = try H2TestServer()
        let transport = try HTTPTransport()
        defer { transport.close() }
        let response = try await transport.fetch(server.request("/bytes/300000", method: "GET")).get()
        #expect(response.status == 200)
        #expect(response.body.count == 64 * 1024)
        #expect(response.bodyTruncated)
        #expect(response.body == (0..<(64 * 1024)).map { UInt8($0 % 251) })

        // HTTP/2 resets only that stream: the next request reuses the connection.
        let next = try await transport.fetch(server.request("/echo")).get()
        #expect(next.status == 200)
        #expect(try await server.stats(via: transport).connections == 1)
    }

    @Test func bodyOfExactly64KiBIsNotMarkedTruncated() async throws {
        let server = try H2TestServer()
        let transport = try HTTPTransport()
        defer { transport.close() }
        let response = try await transport.fetch(server.request("/bytes/65536", method: "GET")).get()
        #expect(response.body.count == 65536)
        #expect(!response.bodyTruncated)
    }

    @Test func clientCertificateIsPresentedWhenTheServerRequiresOne() async throws {
        let certificates = try TestCertificates.shared()
        let server = try H2TestServer(["--client-ca", certificates.caFile])
        let transport = try HTTPTransport()
        defer { transport.close() }
        var request = server.request("/echo")
        request.clientCertFile = certificates.clientCert
        request.clientKeyFile = certificates.clientKey
        #expect(try await transport.fetch(request).get().status == 200)

        let anonymous = try HTTPTransport()
        defer { anonymous.close() }
        let refused = await anonymous.fetch(server.request("/echo"))
        guard case .failure(let failure) = refused else {
            Issue.record("a request without a client certificate succeeded")
            return
        }
        #expect(failure.kind == .tls || failure.kind == .protocolError, "\(failure)")
    }

    @Test func connectionSocketsAreCloseOnExec() async throws {
        let server = try H2TestServer()
        let transport = try HTTPTransport()
        defer { transport.close() }
        #expect(try await transport.fetch(server.request("/echo")).get().status == 200)
        let sockets = LoopbackSockets.connected(toPort: server.port)
        #expect(!sockets.isEmpty)
        for fd in sockets {
            #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0, "socket \(fd) would leak into a child process")
        }
    }
}
