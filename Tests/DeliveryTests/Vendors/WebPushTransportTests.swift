import Testing
@testable import NudgeDelivery
import NudgeCore

/// A Web Push request through the real transport to the loopback test
/// server: a name that resolves to a private address is refused at connect
/// time, where the literal check cannot see it.
@Suite struct WebPushTransportTests {
    let directory = VendorTestDirectory()
    let now = VendorTestJobs.createdAt

    func send(allowPrivateAddresses: Bool) async throws -> DeliveryOutcome {
        let server = try H2TestServer()
        let transport = try HTTPTransport()
        defer { transport.close() }
        var config = VendorTestJobs.webPushConfig(directory)
        config.allowPrivateAddresses = allowPrivateAddresses
        let backend = try VendorTestJobs.make(config).backend
        let subscriber = try WebPushTestSubscriber()
        // A public name whose DNS answer is 127.0.0.1: the request is built
        // for it (the literal check passes) and sent to localhost, which
        // curl resolves to loopback like such a DNS answer would.
        let job = subscriber.job("https://push.example.net/echo")
        var request = try backend.request(for: job, now: now).get()
        request.url = "https://localhost:\(server.port)/echo"
        request.caFile = server.certificates.caFile
        return backend.classify(await transport.fetch(request), job: job, now: now)
    }

    @Test func privateAddressIsRefusedAtConnectTime() async throws {
        let outcome = try await send(allowPrivateAddresses: false)
        guard case .tokenGone(nil, let reason) = outcome else {
            Issue.record("expected the endpoint to be gone, got \(outcome)")
            return
        }
        #expect(reason.hasPrefix("endpoint not allowed: refusing to connect to "))
        #expect(reason.hasSuffix("a loopback address (allow_private_addresses is off)"))
    }

    @Test func privateAddressWorksWhenAllowed() async throws {
        #expect(try await send(allowPrivateAddresses: true) == .delivered)
    }
}
