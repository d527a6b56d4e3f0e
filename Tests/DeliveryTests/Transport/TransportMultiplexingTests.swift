import Testing
import NudgeDelivery

/// Connection use, as the server counts it: many streams on few
/// connections, the server's stream limit respected, GOAWAY survived,
/// idle connections kept.
@Suite struct TransportMultiplexingTests {
    @Test func concurrentRequestsShareAtMostMaxConnectionsPerHost() async throws {
        let server = try H2TestServer()
        var options = HTTPTransport.Options()
        options.maxConnectionsPerHost = 2
        let transport = try HTTPTransport(options: options)
        defer { transport.close() }

        let statuses = await fetchAll(200, transport) { server.request("/echo", body: Array("n\($0)".utf8)) }
        #expect(statuses == Array(repeating: 200, count: 200))
        #expect(transport.inFlight == 0)
        let stats = try await server.stats(via: transport)
        #expect(stats.connections >= 1 && stats.connections <= 2, "\(stats.json)")
        #expect(stats.streams == 201)
        #expect(stats.maxOpenStreams > 1, "requests were not multiplexed: \(stats.json)")
        #expect(stats.refusedStreams == 0, "\(stats.json)")
    }

    @Test func serverWithOneStreamPerConnectionStillGetsEverything() async throws {
        let server = try H2TestServer(["--max-streams", "1"])
        var options = HTTPTransport.Options()
        options.maxConnectionsPerHost = 2
        let transport = try HTTPTransport(options: options)
        defer { transport.close() }

        let statuses = await fetchAll(60, transport) { server.request("/slow/5", body: Array("n\($0)".utf8)) }
        #expect(statuses == Array(repeating: 200, count: 60))
        let stats = try await server.stats(via: transport)
        // Nothing was stacked on a connection before its SETTINGS were read
        // (refused), nor beyond the limit afterwards (violations).
        #expect(stats.refusedStreams == 0, "\(stats.json)")
        #expect(stats.streamLimitViolations == 0, "\(stats.json)")
        #expect(stats.maxOpenStreams == 1, "\(stats.json)")
        #expect(stats.connections <= 2, "\(stats.json)")
    }

    @Test func afterGoawayTheNextRequestUsesANewConnection() async throws {
        let server = try H2TestServer()
        let transport = try HTTPTransport()
        defer { transport.close() }

        let goaway = try await transport.fetch(server.request("/goaway", method: "GET")).get()
        #expect(goaway.status == 200)
        #expect(goaway.body == Array("goaway".utf8))
        for _ in 0..<3 {
            #expect(try await transport.fetch(server.request("/echo")).get().status == 200)
        }
        let stats = try await server.stats(via: transport)
        #expect(stats.goaways == 1)
        #expect(stats.connections == 2, "\(stats.json)")
    }

    /// Idle past the upkeep interval, the connection is still the one in
    /// use; where libcurl can (8.10+), it was PINGed meanwhile.
    @Test func idleConnectionIsKeptAndPingedWhereLibcurlCan() async throws {
        let server = try H2TestServer()
        var options = HTTPTransport.Options()
        options.upkeepIntervalMs = 100
        let transport = try HTTPTransport(options: options)
        defer { transport.close() }

        #expect(try await transport.fetch(server.request("/echo")).get().status == 200)
        try await Task.sleep(for: .milliseconds(700))
        #expect(try await transport.fetch(server.request("/echo")).get().status == 200)
        let stats = try await server.stats(via: transport)
        #expect(stats.connections == 1, "\(stats.json)")
        if HTTPTransport.canPingIdleConnections {
            #expect(stats.pings >= 1, "\(HTTPTransport.libcurlVersion): \(stats.json)")
        }
    }

    /// Sends `count` requests at once; their statuses in order (0 for a failure).
    private func fetchAll(_ count: Int, _ transport: HTTPTransport,
                          _ request: @escaping @Sendable (Int) -> HTTPRequest) async -> [Int] {
        await withTaskGroup(of: (Int, Int).self) { group in
            for i in 0..<count {
                group.addTask {
                    let result = await transport.fetch(request(i))
                    return (i, (try? result.get().status) ?? 0)
                }
            }
            var statuses = Array(repeating: -1, count: count)
            for await (i, status) in group { statuses[i] = status }
            return statuses
        }
    }
}
