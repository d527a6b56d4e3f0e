import NudgeXMPP

/// One configuration key, declared once: its name, type, default and
/// meaning, and how it is read into the part of Config it sets. The
/// decoder reads through it and nudge_config_schema() describes it, so a
/// default, a range or a document cannot say one thing while the engine
/// does another.
struct Setting<Section> {
    let name: String
    let type: SettingType
    let unset: Unset<Section>
    /// One line for operators (the README's "meaning" column).
    let doc: String
    /// "s" for durations in seconds; hosts that take durations (ejabberd's
    /// timeouts) convert.
    var unit: String? = nil
    /// The native option the host modules offer for this key (Prosody:
    /// `nudge_` and this; ejabberd: this). nil: only in a configuration
    /// file.
    var option: String? = nil
    /// The name the key had before; still read, with a warning at open.
    var oldName: String? = nil
    /// The name the hosts' native option had before; they still take it,
    /// with a warning.
    var oldOption: String? = nil
    /// Reads the key, present under `key` (its name or its old name), into
    /// the section. Nothing is read for a key that is absent or null.
    let read: (inout ObjectReader, _ key: String, inout Section) throws(ConfigError) -> Void

    /// Reads the key under whichever name the document uses.
    func apply(_ r: inout ObjectReader, _ section: inout Section, warnings: inout [String]) throws(ConfigError) {
        var key = name
        if let oldName, r.has(oldName) {
            guard !r.has(name) else {
                throw ConfigError(r.keyPath(oldName), "the old name of \(r.keyPath(name)), which is given too: keep only \(r.keyPath(name))")
            }
            warnings.append("\(r.keyPath(oldName)) is deprecated: it is now \(r.keyPath(name)), with the same meaning")
            key = oldName
            _ = r.raw(name)
        } else if let oldName {
            _ = r.raw(oldName)
        }
        if case .required(let problem) = unset, !r.has(key) {
            throw ConfigError(r.keyPath(key), problem)
        }
        try read(&r, key, &section)
    }

    /// The schema's entry: `key` is the full path (`server.coalesce_window_s`;
    /// a backend's keys have their bare name), `defaults` a section as
    /// Config makes it.
    func schema(key: String, defaults: Section) -> JSON {
        var entry: JSONObject = ["key": .string(key)]
        for (k, v) in type.schema { entry[k] = v }
        switch unset {
        case .required: entry["required"] = true
        case .value(let value): entry["default"] = value(defaults)
        case .meaning(let text): entry["unset"] = .string(text)
        }
        if let unit { entry["unit"] = .string(unit) }
        entry["doc"] = .string(doc)
        if let option { entry["option"] = .string(option) }
        if let oldName { entry["old_names"] = [.string(oldName)] }
        if let oldOption { entry["old_options"] = [.string(oldOption)] }
        return .object(entry)
    }
}

// MARK: - Keys that set one stored property

extension Setting {
    static func int(_ name: String, _ property: WritableKeyPath<Section, Int>, min: Int, max: Int = Int(Int32.max),
                    unit: String? = nil, option: String? = nil, oldName: String? = nil, oldOption: String? = nil,
                    doc: String) -> Setting {
        Setting(name: name, type: .integer(min: min, max: max), unset: .value { .number(Double($0[keyPath: property])) },
                doc: doc, unit: unit, option: option, oldName: oldName, oldOption: oldOption) { r, key, section throws(ConfigError) in
            if let v = try r.int(key, min: min, max: max) { section[keyPath: property] = v }
        }
    }

    /// A whole number that is unset unless given: `meaning` says what the
    /// engine does without it.
    static func int(_ name: String, _ property: WritableKeyPath<Section, Int?>, min: Int, max: Int = Int(Int32.max),
                    unit: String? = nil, unset meaning: String, doc: String) -> Setting {
        Setting(name: name, type: .integer(min: min, max: max), unset: .meaning(meaning), doc: doc, unit: unit) { r, key, section throws(ConfigError) in
            if let v = try r.int(key, min: min, max: max) { section[keyPath: property] = v }
        }
    }

    static func bool(_ name: String, _ property: WritableKeyPath<Section, Bool>, option: String? = nil, doc: String) -> Setting {
        Setting(name: name, type: .boolean, unset: .value { .bool($0[keyPath: property]) }, doc: doc, option: option) { r, key, section throws(ConfigError) in
            if let v = try r.bool(key) { section[keyPath: property] = v }
        }
    }

    /// A non-empty string with a default.
    static func string(_ name: String, _ property: WritableKeyPath<Section, String>, doc: String) -> Setting {
        Setting(name: name, type: .string, unset: .value { .string($0[keyPath: property]) }, doc: doc) { r, key, section throws(ConfigError) in
            if let v = try r.string(key) { section[keyPath: property] = v }
        }
    }

    /// A non-empty string, required or with the meaning of its absence.
    static func string(_ name: String, _ property: WritableKeyPath<Section, String?>, _ unset: Unset<Section>,
                       option: String? = nil, doc: String) -> Setting {
        Setting(name: name, type: .string, unset: unset, doc: doc, option: option) { r, key, section throws(ConfigError) in
            if let v = try r.string(key) { section[keyPath: property] = v }
        }
    }

    /// An http or https URL with a default, or unset (`meaning`).
    static func url(_ name: String, _ property: WritableKeyPath<Section, String?>, unset meaning: String, doc: String) -> Setting {
        Setting(name: name, type: .url, unset: .meaning(meaning), doc: doc) { r, key, section throws(ConfigError) in
            if let v = try r.url(key) { section[keyPath: property] = v }
        }
    }

    static func url(_ name: String, _ property: WritableKeyPath<Section, String>, doc: String) -> Setting {
        Setting(name: name, type: .url, unset: .value { .string($0[keyPath: property]) }, doc: doc) { r, key, section throws(ConfigError) in
            if let v = try r.url(key) { section[keyPath: property] = v }
        }
    }

    /// One of `choices`, each a name and the value it stands for; `synonyms`
    /// are further names accepted for a value and not advertised.
    static func choice<Value: Equatable>(_ name: String, _ property: WritableKeyPath<Section, Value>,
                                         _ choices: [(String, Value)], synonyms: [(String, Value)] = [],
                                         option: String? = nil, doc: String) -> Setting {
        let names = choices.map(\.0)
        return Setting(name: name, type: .choice(names),
                       unset: .value { d in .string(choices.first { $0.1 == d[keyPath: property] }?.0 ?? "") },
                       doc: doc, option: option) { r, key, section throws(ConfigError) in
            guard let text = try r.string(key) else { return }
            guard let value = (choices + synonyms).first(where: { $0.0 == text })?.1 else {
                throw ConfigError(r.keyPath(key), "expected \(alternatives(names)), got \(JSON.string(text).serialized())")
            }
            section[keyPath: property] = value
        }
    }

    /// A domain, unset unless given (`meaning`).
    static func domain(_ name: String, _ property: WritableKeyPath<Section, String?>, unset meaning: String,
                       option: String? = nil, doc: String) -> Setting {
        Setting(name: name, type: .domain, unset: .meaning(meaning), doc: doc, option: option) { r, key, section throws(ConfigError) in
            if let v = try r.domain(key) { section[keyPath: property] = v }
        }
    }

    /// A list of domains: required and non-empty, or empty unless given.
    static func domains(_ name: String, _ property: WritableKeyPath<Section, [String]>, _ unset: Unset<Section>,
                        option: String? = nil, doc: String) -> Setting {
        Setting(name: name, type: .domains, unset: unset, doc: doc, option: option) { r, key, section throws(ConfigError) in
            guard let domains = try r.domains(key) else { return }
            if case .required(let problem) = unset, domains.isEmpty { throw ConfigError(r.keyPath(key), problem) }
            section[keyPath: property] = domains
        }
    }
}
