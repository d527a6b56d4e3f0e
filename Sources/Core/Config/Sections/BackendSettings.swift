import NudgeXMPP

/// A backend while its keys are read: the configuration, and the APNs
/// credentials' keys, which only make sense together.
struct BackendDraft {
    var config: BackendConfig
    var keyFile: String?
    var keyID: String?
    var teamID: String?
    var certFile: String?
    var certKeyFile: String?

    /// A backend of `vendor` with nothing configured: the defaults.
    init(_ vendor: BackendConfig.Vendor, configKey: String = "appserver.backends[]") {
        config = BackendConfig(vendor: vendor, app: "any", configKey: configKey)
    }
}

extension BackendConfig {
    /// The push lifetime of a Web Push backend without `ttl_s`: a day.
    public static let webPushDefaultTTLSeconds = 86_400

    private static var types: [String] { Vendor.allCases.map(\.rawValue) }

    /// The keys of a backend of `vendor`, `type` first.
    static func settings(_ vendor: Vendor) -> [Setting<BackendDraft>] {
        var keys: [Setting<BackendDraft>] = [
            Setting(name: "type", type: .choice(types), unset: .required("required: \(alternatives(types))"),
                    doc: "the vendor") { _, _, _ throws(ConfigError) in },  // read first: it chooses these keys
            app(vendor),
            .bool("default", \.config.isDefault,
                  doc: "with several backends of this type, the one a registration naming no app goes to (else the first listed)"),
        ]
        // Web Push sends to the endpoint each subscription names.
        if vendor != .webpush {
            keys.append(.url("endpoint", \.config.endpoint, unset: "the vendor's production service",
                             doc: "the vendor's base URL: a proxy, a regional host or a test mock"))
        }
        keys.append(.string("ca_file", \.config.caFile, .meaning("the system's trust anchors"),
                            doc: "a PEM bundle to trust for the endpoint's TLS instead of the system's"))
        if TigaseProvider.vendors.contains(vendor) { keys.append(tigaseProviders(vendor)) }
        switch vendor {
        case .apns: keys += apns
        case .fcm: keys += fcm
        case .webpush: keys += webPush
        case .wns: keys += wns
        case .ubuntu: break
        }
        return keys
    }

    /// Keys a vendor refuses with a reason of its own rather than as unknown.
    static func refused(_ vendor: Vendor) -> [String: String] {
        vendor == .webpush ? ["endpoint": "not used by webpush: each subscription names its own endpoint"] : [:]
    }

    /// Web Push and UBports need no developer credentials, so one backend
    /// may serve every app ("any", the original app_name: any).
    private static func app(_ vendor: Vendor) -> Setting<BackendDraft> {
        let needsApp = vendor == .apns || vendor == .fcm || vendor == .wns
        let problem = "required for \(vendor.rawValue): the app name clients register for"
        return Setting(name: "app", type: .string, unset: needsApp ? .required(problem) : .value { .string($0.config.app) },
                       doc: "the app name clients register for; they choose among several backends of one type by it") { r, key, b throws(ConfigError) in
            let app = try r.string(key) ?? b.config.app
            if needsApp && app == "any" { throw ConfigError(r.keyPath(key), problem) }
            b.config.app = app
        }
    }

    /// Each id must name this backend's vendor (TigaseProvider.vendor(of:)):
    /// an APNs id at an FCM backend would push a device token to the wrong
    /// service.
    private static func tigaseProviders(_ vendor: Vendor) -> Setting<BackendDraft> {
        let builtIn = TigaseProvider.builtIn.filter { $0.vendor == vendor }.map { "`\($0.provider)`" }
        return Setting(name: "tigase_providers", type: .strings,
                       unset: .meaning("\(alternatives(builtIn)) if this is the default \(vendor.rawValue) backend and no other lists providers"),
                       doc: "the Tigase `register-device` provider ids (each an app build, such as Snikket iOS's `snikket:apns:1`) this backend serves") {
            r, key, b throws(ConfigError) in
            guard let ids = try r.strings(key) else { return }
            for (i, id) in ids.enumerated() {
                let at = "\(r.keyPath(key))[\(i)]"
                guard let named = TigaseProvider.vendor(of: id) else {
                    throw ConfigError(at, "\"\(id)\" names no vendor: a provider id names apns or fcm among its parts")
                }
                guard named == vendor else {
                    throw ConfigError(at, "\"\(id)\" is a \(named.rawValue) provider, not one of this \(vendor.rawValue) backend's")
                }
                guard !ids[..<i].contains(id) else { throw ConfigError(at, "\"\(id)\" is listed twice") }
            }
            b.config.tigaseProviders = ids
        }
    }

    private static var apns: [Setting<BackendDraft>] {
        [
            .string("topic", \.config.topic, .required("required: the app's bundle id"), doc: "the app's bundle id"),
            .string("key_file", \.keyFile, .meaning("certificate auth (`cert_file`)"),
                    doc: "token auth: the ES256 key (`.p8`) from the developer account"),
            .string("key_id", \.keyID, .meaning("required with `key_file`"), doc: "token auth: the key's 10-character id"),
            .string("team_id", \.teamID, .meaning("required with `key_file`"), doc: "token auth: the developer team id"),
            .string("cert_file", \.certFile, .meaning("token auth (`key_file`)"),
                    doc: "certificate auth: the provider certificate (PEM), the TLS client certificate"),
            .string("cert_key_file", \.certKeyFile, .meaning("the key is in `cert_file`"), doc: "certificate auth: its private key"),
            .choice("environment", \.config.sandbox, [("production", false), ("sandbox", true)], synonyms: [("development", true)],
                    doc: "which APNs service the device tokens are from"),
            .choice("push_type", \.config.pushType, [("alert", "alert"), ("background", "background"), ("voip", "voip")],
                    doc: "the `apns-push-type`"),
            .string("alert_body", \.config.alertBody, doc: "the alert text when the user's options keep the body out of the notification"),
            .bool("mutable_content", \.config.mutableContent, doc: "lets the app's notification extension fetch and decrypt the message"),
            Setting(name: "sound", type: .string, unset: .value { .string($0.config.sound ?? "") },
                    doc: "the alert's sound; \"\" for none") { r, key, b throws(ConfigError) in
                guard let sound = r.raw(key) else { return }
                guard let s = sound.stringValue else { throw ConfigError(r.keyPath(key), "expected a string") }
                b.config.sound = s.isEmpty ? nil : s
            },
        ]
    }

    private static var fcm: [Setting<BackendDraft>] {
        [.string("service_account_file", \.config.serviceAccountFile,
                 .required("required: the service-account JSON from the Firebase console"),
                 doc: "the service-account JSON from the Firebase console; its `token_uri` is used for OAuth")]
    }

    private static var webPush: [Setting<BackendDraft>] {
        [
            .string("vapid_private_key_file", \.config.vapidPrivateKeyFile,
                    .required("required: the VAPID key (PEM, P-256) that signs pushes"),
                    doc: "the VAPID key (PEM, P-256) that signs pushes"),
            Setting(name: "subject", type: .string, unset: .required("required: a mailto: or https: contact for push services"),
                    doc: "VAPID's `sub`: a `mailto:` or `https:` contact for push services") { r, key, b throws(ConfigError) in
                guard let subject = try r.string(key) else { return }
                guard subject.hasPrefix("mailto:") || subject.hasPrefix("https:") else {
                    throw ConfigError(r.keyPath(key), "must start with mailto: or https:, got \"\(subject)\"")
                }
                b.config.subject = subject
            },
            .bool("allow_http", \.config.allowHTTP,
                  doc: "accept plain `http` endpoints (self-hosted UnifiedPush distributors on a LAN)"),
            .bool("allow_private_addresses", \.config.allowPrivateAddresses,
                  doc: "accept endpoints on loopback, private and link-local addresses (they come from clients)"),
            // Push services keep messages up to four weeks at most.
            .int("ttl_s", \.config.ttlSeconds, min: 0, max: 2_419_200, unit: "s",
                 unset: "\(webPushDefaultTTLSeconds) (a day)", doc: "how long the push service keeps an undelivered push"),
            .int("pad_to", \.config.padTo, min: 1, max: 4096,
                 doc: "plaintexts are padded to a multiple of this many bytes, so their length tells little"),
        ]
    }

    private static var wns: [Setting<BackendDraft>] {
        [
            .string("package_sid", \.config.packageSID,
                    .required("required: the package SID (ms-app://…) from the Partner Center"),
                    doc: "the package SID (`ms-app://…`) from the Partner Center, the OAuth client id"),
            .string("client_secret", \.config.clientSecret, .meaning("required unless `client_secret_file`"),
                    doc: "the OAuth client secret"),
            .string("client_secret_file", \.config.clientSecretFile, .meaning("required unless `client_secret`"),
                    doc: "a file holding the client secret (read at start-up)"),
            .url("token_endpoint", \.config.tokenEndpoint, doc: "where access tokens come from"),
            .choice("wns_type", \.config.wnsType, [("raw", "raw"), ("toast", "toast")],
                    doc: "`raw`: the app's background task gets the summary; `toast`: Windows shows it"),
            .int("ttl_s", \.config.ttlSeconds, min: 1, unit: "s", unset: "not sent: the service's own",
                 doc: "`X-WNS-TTL`: how long the service keeps an undelivered push"),
        ]
    }

    /// Checks between a backend's keys, once all are read.
    static func check(_ b: inout BackendDraft, _ r: ObjectReader) throws(ConfigError) {
        switch b.config.vendor {
        case .apns:
            if let keyFile = b.keyFile {
                guard let keyID = b.keyID else { throw ConfigError(r.keyPath("key_id"), "required with key_file: the key's 10-character id") }
                guard let teamID = b.teamID else { throw ConfigError(r.keyPath("team_id"), "required with key_file: the developer team id") }
                guard b.certFile == nil else {
                    throw ConfigError(r.keyPath("cert_file"), "give key_file (token auth) or cert_file (certificate auth), not both")
                }
                b.config.apnsAuth = .token(keyFile: keyFile, keyID: keyID, teamID: teamID)
            } else if let certFile = b.certFile {
                b.config.apnsAuth = .certificate(certFile: certFile, keyFile: b.certKeyFile ?? certFile)
            } else {
                throw ConfigError(r.keyPath("key_file"), "required: a .p8 key for token auth (or cert_file for certificate auth)")
            }
        case .wns:
            switch (b.config.clientSecret, b.config.clientSecretFile) {
            case (nil, nil):
                throw ConfigError(r.keyPath("client_secret"), "required: the client secret (or client_secret_file)")
            case (_?, _?):
                throw ConfigError(r.keyPath("client_secret_file"), "give client_secret or client_secret_file, not both")
            default:
                break
            }
        case .fcm, .webpush, .ubuntu:
            break
        }
    }

    /// For an unknown key: the types whose key it is.
    static func elsewhere(_ vendor: Vendor) -> (String) -> String? {
        { key in
            let owners = Vendor.allCases.filter { $0 != vendor && settings($0).contains { $0.name == key } }.map(\.rawValue)
            return owners.isEmpty ? nil : "not a key of \(vendor.rawValue) backends but of \(alternatives(owners))"
        }
    }
}
