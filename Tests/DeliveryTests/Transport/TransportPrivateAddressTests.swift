import Testing
import NudgeDelivery

/// `HTTPRequest.allowPrivateAddresses` at connect time, against the test
/// server on 127.0.0.1.
@Suite struct TransportPrivateAddressTests {
    @Test func loopbackIsRefusedWhenPrivateAddressesAreNotAllowed() async throws {
        let server = try H2TestServer()
        let transport = try HTTPTransport()
        defer { transport.close() }
        var request = server.request("/echo")
        request.allowPrivateAddresses = false
        let failure = try #require(await transport.fetch(request).failure)
        #expect(failure.kind == .connect)
        #expect(failure.message == "refusing to connect to 127.0.0.1: a loopback address (allow_private_addresses is off)")
        #expect(failure.refusedAddress == "127.0.0.1")
        // Not even a TCP connection reached the server: /stats opens the first.
        let stats = try await server.stats(via: transport)
        #expect(stats.connections == 1)
        #expect(stats.streams == 1)
    }

    @Test func loopbackWorksWhenAllowed() async throws {
        let server = try H2TestServer()
        let transport = try HTTPTransport()
        defer { transport.close() }
        var request = server.request("/echo")
        request.allowPrivateAddresses = true
        let response = try await transport.fetch(request).get()
        #expect(response.status == 200)
        #expect(HTTPRequest(url: "https://example.net/").allowPrivateAddresses)
    }

    @Test func namesAreJudgedByWhatTheyResolveTo() async throws {
        let server = try H2TestServer()
        let transport = try HTTPTransport()
        defer { transport.close() }
        // curl resolves localhost to ::1 and 127.0.0.1 itself; both are refused.
        var request = HTTPRequest(url: "https://localhost:\(server.port)/echo")
        request.caFile = server.certificates.caFile
        request.allowPrivateAddresses = false
        let failure = try #require(await transport.fetch(request).failure)
        #expect(failure.kind == .connect)
        #expect(failure.refusedAddress == "127.0.0.1" || failure.refusedAddress == "::1", "\(failure.message)")
        #expect(failure.message.hasPrefix("refusing to connect to "))
        #expect(failure.message.hasSuffix(": a loopback address (allow_private_addresses is off)"))
    }

    @Test func openConnectionIsNotReusedByARequestThatRefusesItsAddress() async throws {
        let server = try H2TestServer()
        let transport = try HTTPTransport()
        defer { transport.close() }
        #expect(try await transport.fetch(server.request("/echo")).get().status == 200)
        var request = server.request("/echo")
        request.allowPrivateAddresses = false
        let failure = try #require(await transport.fetch(request).failure)
        #expect(failure.kind == .connect)
        #expect(failure.refusedAddress == "127.0.0.1")
        #expect(failure.message == "refusing to connect to 127.0.0.1: a loopback address (allow_private_addresses is off)")
        // The refused request never became a stream: /echo, then /stats.
        let stats = try await server.stats(via: transport)
        #expect(stats.streams == 2)
        #expect(stats.connections == 1)
    }

    @Test func otherConnectFailuresCarryNoRefusedAddress() async throws {
        let transport = try HTTPTransport()
        defer { transport.close() }
        var request = HTTPRequest(url: "https://127.0.0.1:1/")
        request.allowPrivateAddresses = true
        let failure = try #require(await transport.fetch(request).failure)
        #expect(failure.kind == .connect)
        #expect(failure.refusedAddress == nil)
    }
}
