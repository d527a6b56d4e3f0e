import NudgeXMPP

extension Config {
    /// Parses and validates the host's JSON configuration, one section at a
    /// time, each through its declared keys (ConfigSchema). Every error
    /// names the key it concerns, so an operator can fix it without
    /// reading code.
    public init(json text: String) throws(ConfigError) {
        let root: JSON
        do { root = try JSON.parse(text) } catch { throw ConfigError("", "configuration is not valid JSON: \(error.message)") }
        var top = try ObjectReader(root, path: "")
        var warnings: [String] = []
        let hint = ConfigSchema.elsewhere

        var store = Store(path: "")
        try Store.section.decode(top.raw("store"), into: &store, warnings: &warnings, hint: hint("store"))
        self.init(storePath: store.path, domains: [])
        self.store = store
        try Server.section.decode(top.raw("server"), into: &server, warnings: &warnings, hint: hint("server"))
        try AppServer.section.decode(top.raw("appserver"), into: &appServer, warnings: &warnings, hint: hint("appserver"))
        try Limits.section.decode(top.raw("limits"), into: &limits, warnings: &warnings, hint: hint("limits"))
        try Log.section.decode(top.raw("log"), into: &log, warnings: &warnings, hint: hint("log"))
        try top.rejectUnknownKeys(hint: hint(""))
        self.warnings = warnings
    }
}
