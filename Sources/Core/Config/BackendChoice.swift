/// Which backend serves a registration or a token node: by the app it
/// names, or else by the vendor's default. Decided here once, for the
/// register commands and Monal's token nodes alike.
extension BackendConfig {
    /// The backend of `vendor` for a registration that names no app: the
    /// one marked `default`, else the first listed.
    static func defaultBackend(of vendor: Vendor, in backends: [BackendConfig]) -> BackendConfig? {
        let candidates = backends.filter { $0.vendor == vendor }
        return candidates.first(where: \.isDefault) ?? candidates.first
    }

    /// A token node whose publish-options name no `pushModule`: the backend
    /// marked `default` of any vendor, else the first listed.
    static func defaultBackend(in backends: [BackendConfig]) -> BackendConfig? {
        backends.first(where: \.isDefault) ?? backends.first
    }

    /// Two backends of one vendor for one app, two defaults of one vendor,
    /// or one Tigase provider at two backends, would make the choice
    /// arbitrary: refused at load, naming the second entry.
    static func checkChoices(_ backends: [BackendConfig]) throws(ConfigError) {
        for (i, b) in backends.enumerated() {
            let earlier = backends[..<i].filter { $0.vendor == b.vendor }
            if let twin = earlier.first(where: { $0.app == b.app }) {
                throw ConfigError(b.configKey + ".app", "\(twin.configKey) already serves \(b.vendor.rawValue) app \"\(b.app)\"; give each backend an app of its own")
            }
            if b.isDefault, let other = earlier.first(where: \.isDefault) {
                throw ConfigError(b.configKey + ".default", "\(other.configKey) is already the default \(b.vendor.rawValue) backend")
            }
            for (j, provider) in b.tigaseProviders.enumerated() {
                if let other = backends[..<i].first(where: { $0.tigaseProviders.contains(provider) }) {
                    throw ConfigError(b.configKey + ".tigase_providers[\(j)]", "\(other.configKey) already serves provider \"\(provider)\"")
                }
            }
        }
    }
}
