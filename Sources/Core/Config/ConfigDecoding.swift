import NudgeXMPP

extension Config {
    /// Parses and validates the host's JSON configuration. Every error names
    /// the key it concerns, so an operator can fix it without reading code.
    public init(json text: String) throws(ConfigError) {
        let root: JSON
        do { root = try JSON.parse(text) } catch { throw ConfigError("", "configuration is not valid JSON: \(error.message)") }
        var top = try ObjectReader(root, path: "")

        var store = try ObjectReader(top.raw("store"), path: "store")
        guard let path = try store.string("path") else { throw ConfigError("store.path", "required: the directory of the LMDB store") }
        self.init(storePath: path, domains: [])
        self.store.mapSizeMB = try store.int("map_size_mb", min: 1, max: 1 << 20) ?? self.store.mapSizeMB
        self.store.maxMapSizeMB = try store.int("max_map_size_mb", min: 1, max: 1 << 24) ?? self.store.maxMapSizeMB
        self.store.sync = try store.bool("sync") ?? self.store.sync
        guard self.store.maxMapSizeMB >= self.store.mapSizeMB else {
            throw ConfigError("store.max_map_size_mb", "must be at least store.map_size_mb (\(self.store.mapSizeMB))")
        }
        try store.rejectUnknownKeys()

        var s = try ObjectReader(top.raw("server"), path: "server")
        guard let domains = try s.strings("domains"), !domains.isEmpty else {
            throw ConfigError("server.domains", "required: the XMPP domains whose users this engine serves")
        }
        server.domains = []
        for (i, d) in domains.enumerated() {
            do throws(JIDError) {
                let jid = try JID(d)
                guard jid.local == nil, jid.resource == nil else { throw JIDError("a domain has no localpart or resource") }
                server.domains.append(jid.domain)
            } catch { throw ConfigError("server.domains[\(i)]", "not a valid domain: \(error.message)") }
        }
        server.includeSenders = try s.bool("include_senders") ?? server.includeSenders
        server.includeMessageCount = try s.bool("include_message_count") ?? server.includeMessageCount
        server.includeSubscriptionCount = try s.bool("include_subscription_count") ?? server.includeSubscriptionCount
        server.includeMessageBodies = try s.bool("include_message_bodies") ?? server.includeMessageBodies
        if let n = try s.string("notify_on") {
            guard let v = NotifyOn(rawValue: n) else { throw ConfigError("server.notify_on", "expected \"important\" or \"all\", got \"\(n)\"") }
            server.notifyOn = v
        }
        server.maxRegistrationsPerUser = try s.int("max_registrations_per_user", min: 1, max: 1000) ?? server.maxRegistrationsPerUser
        server.coalesceWindowS = try s.int("coalesce_window_s", min: 0, max: 86_400) ?? server.coalesceWindowS
        server.pendingTimeoutS = try s.int("pending_timeout_s", min: 1) ?? server.pendingTimeoutS
        server.wakeBeforeTimeoutS = try s.int("wake_before_timeout_s", min: 0) ?? server.wakeBeforeTimeoutS
        server.wakeOnStart = try s.bool("wake_on_start") ?? server.wakeOnStart
        server.restartWakeRate = try s.int("restart_wake_rate", min: 1, max: 1_000_000) ?? server.restartWakeRate
        server.publishTimeoutS = try s.int("publish_timeout_s", min: 1, max: 86_400) ?? server.publishTimeoutS
        server.publishRetries = try s.int("publish_retries", min: 0, max: 100) ?? server.publishRetries
        guard server.wakeBeforeTimeoutS < server.pendingTimeoutS else {
            throw ConfigError("server.wake_before_timeout_s", "must be less than server.pending_timeout_s (\(server.pendingTimeoutS))")
        }
        try s.rejectUnknownKeys()

        var a = try ObjectReader(top.raw("appserver"), path: "appserver")
        appServer.pubsubHost = try Self.domain(&a, "pubsub_host")
        appServer.registerHost = try Self.domain(&a, "register_host")
        appServer.allowDomains = try a.strings("allow_domains") ?? []
        if let backends = a.raw("backends") {
            guard let list = backends.arrayValue else { throw ConfigError("appserver.backends", "expected an array of backends") }
            for (i, b) in list.enumerated() { appServer.backends.append(try BackendConfig.decode(b, index: i)) }
        }
        appServer.maxRegistrationsPerUser = try a.int("max_registrations_per_user", min: 1, max: 10_000) ?? appServer.maxRegistrationsPerUser
        appServer.registrationsPerHour = try a.int("registrations_per_hour", min: 1, max: 1_000_000) ?? appServer.registrationsPerHour
        appServer.maxAgeS = try a.int("max_age_s", min: 1) ?? appServer.maxAgeS
        appServer.maxAttempts = try a.int("max_attempts", min: 1, max: 1000) ?? appServer.maxAttempts
        appServer.shutdownGraceS = try a.int("shutdown_grace_s", min: 0, max: 600) ?? appServer.shutdownGraceS
        appServer.tokenNodes = try a.bool("token_nodes") ?? appServer.tokenNodes
        if !appServer.backends.isEmpty {
            guard appServer.pubsubHost != nil else {
                throw ConfigError("appserver.pubsub_host", "required with backends: the JID clients enable push with")
            }
        }
        try a.rejectUnknownKeys()

        var l = try ObjectReader(top.raw("limits"), path: "limits")
        limits.maxStanzaBytes = try l.int("max_stanza_bytes", min: 1024, max: 64 << 20) ?? limits.maxStanzaBytes
        limits.maxDepth = try l.int("max_depth", min: 4, max: 1000) ?? limits.maxDepth
        limits.maxAttributes = try l.int("max_attributes", min: 4, max: 10_000) ?? limits.maxAttributes
        limits.maxQueue = try l.int("max_queue", min: 16) ?? limits.maxQueue
        limits.maxEvents = try l.int("max_events", min: 16) ?? limits.maxEvents
        try l.rejectUnknownKeys()

        var log = try ObjectReader(top.raw("log"), path: "log")
        if let level = try log.string("level") {
            guard let v = LogLevel(name: level) else { throw ConfigError("log.level", "expected debug, info, warn or error, got \"\(level)\"") }
            logLevel = v
        }
        try log.rejectUnknownKeys()
        try top.rejectUnknownKeys()
    }

    private static func domain(_ r: inout ObjectReader, _ key: String) throws(ConfigError) -> String? {
        guard let s = try r.string(key) else { return nil }
        do throws(JIDError) {
            let jid = try JID(s)
            guard jid.local == nil, jid.resource == nil else { throw JIDError("a domain has no localpart or resource") }
            return jid.domain
        } catch { throw ConfigError(r.keyPath(key), "not a valid domain: \(error.message)") }
    }
}
