import NudgeXMPP

/// One object of the configuration document (`store`, `server`, …): its
/// keys, in the order they are read and documented, and the checks
/// between them.
struct SettingsSection<Section> {
    let name: String
    let settings: [Setting<Section>]
    /// Runs once every key is read; its errors name the key to change.
    var check: (Section) throws(ConfigError) -> Void = { _ throws(ConfigError) in }

    /// Reads the section from `json` (nil: absent) into `section`.
    func decode(_ json: JSON?, into section: inout Section, warnings: inout [String],
                hint: (String) -> String? = { _ in nil }) throws(ConfigError) {
        var r = try ObjectReader(json, path: name)
        for setting in settings { try setting.apply(&r, &section, warnings: &warnings) }
        try check(section)
        try r.rejectUnknownKeys(hint: hint)
    }

    /// The schema's entries, defaults read from `defaults`.
    func schema(defaults: Section) -> [JSON] {
        settings.map { $0.schema(key: "\(name).\($0.name)", defaults: defaults) }
    }

    /// The keys' names (old names aside).
    var names: [String] { settings.map(\.name) }
}
