import NudgeXMPP

/// Every key of the configuration, as the decoder reads it: what
/// nudge_config_schema() gives hosts, so that their option tables, their
/// documentation and the README can be checked against the engine
/// instead of copied from it.
///
///     {"keys": [{"key": "server.coalesce_window_s", "type": "integer",
///                "min": 0, "max": 86400, "default": 20, "unit": "s",
///                "doc": "…", "option": "coalesce_window"}, …],
///      "backends": {"apns": [{"key": "topic", …}, …], …}}
///
/// An entry has `default` (the value an unset key stands for), or
/// `required: true`, or `unset` (what the engine does without it, in
/// words); `unit` "s" for seconds; `option`, the native option hosts offer
/// for it; `old_names` and `old_options`, names still accepted with a
/// warning.
public enum ConfigSchema {
    public static var json: JSON {
        let backends = BackendConfig.Vendor.allCases.map { vendor in
            (vendor.rawValue, JSON.array(BackendConfig.settings(vendor).map { $0.schema(key: $0.name, defaults: BackendDraft(vendor)) }))
        }
        var byVendor = JSONObject()
        for (name, keys) in backends { byVendor[name] = keys }
        return ["keys": .array(sectionKeys.flatMap(\.entries)), "backends": .object(byVendor)]
    }

    /// Each section's name, schema entries and the names of its keys.
    private static var sectionKeys: [(name: String, entries: [JSON], names: [String])] {
        func describe<S>(_ s: SettingsSection<S>, _ defaults: S) -> (String, [JSON], [String]) {
            (s.name, s.schema(defaults: defaults), s.names)
        }
        return [
            describe(Config.Store.section, Config.Store(path: "")),
            describe(Config.Server.section, Config.Server()),
            describe(Config.AppServer.section, Config.AppServer()),
            describe(Config.Limits.section, Config.Limits()),
            describe(Config.Log.section, Config.Log()),
        ]
    }

    /// For an unknown key of `section` ("" for the top level): the key of
    /// another section it may have been meant as (usually a key put in the
    /// wrong object).
    static func elsewhere(_ section: String) -> (String) -> String? {
        let sections = sectionKeys
        return { key in
            let places = sections.filter { $0.name != section && $0.names.contains(key) }.map { "\($0.name).\(key)" }
            return places.isEmpty ? nil : "did you mean \(alternatives(places))?"
        }
    }
}
