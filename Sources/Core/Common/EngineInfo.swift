import NudgeXMPP

/// What a host needs to know to route to the engine, as the engine decides
/// it (nudge_info()): the domains it serves, where the app server takes
/// registration commands, the commands to list, and how the engine's own
/// iqs are recognised. Bindings follow this instead of deriving any of it
/// from the configuration themselves.
public enum EngineInfo {
    /// Every iq the engine asks the host to send (publishes to app
    /// servers) has an id starting with this; their answers are the
    /// engine's to read (nudge_handle_stanza).
    public static let idPrefix = "nudge-"

    public static func json(_ config: Config, version: String) -> JSONObject {
        var info: JSONObject = [
            "version": .string(version),
            "server": ["domains": .array(config.server.domains.map { .string($0) }),
                       "account_features": .array(AccountDisco.features.map { .string($0) })],
            "id_prefix": .string(idPrefix),
            "appserver": .null,
        ]
        if let pubsubHost = config.appServer.pubsubHost {
            let backends = config.appServer.backends
            let commands: [JSON] = backends.isEmpty ? [] : AdHocCommand.all(backends: backends).map { command in
                ["node": .string(command.node), "name": .string(command.name(backends: backends))]
            }
            var vendors: [String] = []
            for b in backends where !vendors.contains(b.vendor.rawValue) { vendors.append(b.vendor.rawValue) }
            info["appserver"] = [
                "pubsub_host": .string(pubsubHost),
                "register_hosts": .array(backends.isEmpty ? [] : AppServer.registerHosts(config).map { .string($0) }),
                "commands": .array(commands),
                "vendors": .array(vendors.map { .string($0) }),
            ]
        }
        return info
    }
}
