extension Config.Log {
    /// The `log` section.
    static var section: SettingsSection<Config.Log> {
        SettingsSection(name: "log", settings: [
            .choice("level", \.level, [("debug", .debug), ("info", .info), ("warn", .warn), ("error", .error)],
                    synonyms: [("warning", .warn)], option: "log_level",
                    doc: "`debug`, `info`, `warn` or `error`: the lowest level of log events"),
        ])
    }
}
