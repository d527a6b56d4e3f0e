import NudgeXMPP

extension Config.AppServer {
    /// The `appserver` section: the built-in app server and its vendors.
    static var section: SettingsSection<Config.AppServer> {
        SettingsSection(name: "appserver", settings: [
            .domain("pubsub_host", \.pubsubHost, unset: "none (no app server)", option: "pubsub_host",
                    doc: "the app server's pubsub JID: clients enable push with it; publishes from this engine to it skip XMPP"),
            .domain("register_host", \.registerHost, unset: "the pubsub host and every one of `server.domains`",
                    option: "register_host",
                    doc: "where clients send the registration commands: Conversations and Tigase's clients send them to the app server's JID, mod_push's clients to their own domain; set, it is the only one"),
            .domains("allow_domains", \.allowDomains, .meaning("`server.domains`"), option: "allow_domains",
                     doc: "whose users may register"),
            .int("max_devices_per_user", \.maxDevicesPerUser, min: 1, max: 10_000,
                 option: "max_devices_per_user", oldName: "max_registrations_per_user",
                 doc: "devices per user; one more is refused until one is unregistered"),
            .int("registrations_per_hour", \.registrationsPerHour, min: 1, max: 1_000_000, option: "registrations_per_hour",
                 doc: "registrations per user per hour; more get `resource-constraint`"),
            .int("max_age_s", \.maxAgeS, min: 1, unit: "s", option: "max_age",
                 doc: "a notification not delivered by then is dropped as stale"),
            .int("shutdown_grace_s", \.shutdownGraceS, min: 0, max: 600, unit: "s", option: "shutdown_grace",
                 doc: "at close, how long deliveries in flight may take to get their answers; the rest stay in the outbox for the next start"),
            .int("max_attempts", \.maxAttempts, min: 1, max: 1000, option: "max_attempts",
                 doc: "delivery attempts of one notification"),
            .bool("token_nodes", \.tokenNodes, option: "token_nodes",
                  doc: "Monal/fpush's dialect: publishes to unregistered nodes name a device token"),
            Setting(name: "backends", type: .backends, unset: .value { _ in .array([]) },
                    doc: "the vendor backends: one object each, its keys those of its `type`", option: "backends") { r, key, app throws(ConfigError) in
                guard let value = r.raw(key) else { return }
                guard let list = value.arrayValue else { throw ConfigError(r.keyPath(key), "expected an array of backends") }
                for (i, b) in list.enumerated() { app.backends.append(try BackendConfig.decode(b, index: i)) }
            },
        ], check: { app throws(ConfigError) in
            if !app.backends.isEmpty, app.pubsubHost == nil {
                throw ConfigError("appserver.pubsub_host", "required with backends: the JID clients enable push with")
            }
            try BackendConfig.checkChoices(app.backends)
        })
    }
}
