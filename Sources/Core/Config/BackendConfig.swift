/// One vendor backend of the app server (`appserver.backends[i]`).
/// Files are named here and read by the delivery layer, which reports
/// problems with `configKey` so an operator knows which entry is meant.
public struct BackendConfig: Sendable, Equatable {
    public enum Vendor: String, Sendable, CaseIterable {
        case apns, fcm, webpush, wns, ubuntu
        /// The register command's suffix (`register-push-…`).
        var commandSuffix: String { self == .ubuntu ? "ubuntu" : rawValue }
    }

    public enum APNsAuth: Sendable, Equatable {
        /// Token auth: an ES256 key (.p8) from the developer account.
        case token(keyFile: String, keyID: String, teamID: String)
        /// Certificate auth: the provider certificate is the TLS client certificate.
        case certificate(certFile: String, keyFile: String)
    }

    public var vendor: Vendor
    /// The app this backend serves: clients name it when several
    /// backends of one vendor exist. "any" is allowed only for vendors
    /// that need no developer credentials.
    public var app: String
    /// `appserver.backends[i]`, for messages.
    public var configKey: String
    /// The vendor's base URL: production by default; tests and proxies
    /// point it elsewhere.
    public var endpoint: String?
    /// Extra trust anchors (a PEM bundle) for the endpoint's TLS.
    public var caFile: String?

    // APNs
    public var topic: String?
    public var apnsAuth: APNsAuth?
    public var sandbox = false
    /// `alert` (default), `background` or `voip`.
    public var pushType = "alert"
    /// The alert text shown when the user's options keep the body out of
    /// the notification.
    public var alertBody = "New message"
    /// Lets the app's notification extension fetch and decrypt the message.
    public var mutableContent = true
    public var sound: String? = "default"

    // FCM
    public var serviceAccountFile: String?

    // Web Push (and UnifiedPush)
    /// The VAPID key (PEM, P-256) that signs the `vapid` authorization.
    public var vapidPrivateKeyFile: String?
    /// VAPID's `sub`: a `mailto:` or `https:` contact for push services.
    public var subject: String?
    /// Accept plain `http` endpoints (self-hosted UnifiedPush distributors
    /// on a LAN); https only by default.
    public var allowHTTP = false
    /// Accept endpoints on loopback, private and link-local addresses.
    /// Off by default: endpoints come from clients (SSRF).
    public var allowPrivateAddresses = false
    /// Plaintexts are padded to a multiple of this many bytes so their
    /// length tells little about the message.
    public var padTo = 1024

    // Web Push and WNS
    /// How long the push service keeps an undelivered push (Web Push `TTL`,
    /// default a day; WNS `X-WNS-TTL`, sent only when set).
    public var ttlSeconds: Int?

    // WNS
    /// The package SID from the Partner Center (`ms-app://…`), the OAuth client id.
    public var packageSID: String?
    /// The client secret, given inline…
    public var clientSecret: String?
    /// …or in a file (read at start-up).
    public var clientSecretFile: String?
    /// Where access tokens come from.
    public var tokenEndpoint = "https://login.live.com/accesstoken.srf"
    /// `raw` (default: the app's background task gets the summary) or
    /// `toast` (Windows shows it).
    public var wnsType = "raw"

    public init(vendor: Vendor, app: String, configKey: String) {
        self.vendor = vendor
        self.app = app
        self.configKey = configKey
    }
}

extension BackendConfig {
    /// Decodes `appserver.backends[index]`.
    static func decode(_ json: NudgeXMPP.JSON, index: Int) throws(ConfigError) -> BackendConfig {
        var r = try ObjectReader(json, path: "appserver.backends[\(index)]")
        let types = "apns, fcm, webpush, wns or ubuntu"
        guard let typeName = try r.string("type") else { throw ConfigError(r.keyPath("type"), "required: \(types)") }
        guard let vendor = Vendor(rawValue: typeName) else {
            throw ConfigError(r.keyPath("type"), "unknown backend type \"\(typeName)\" (expected \(types))")
        }
        let app = try r.string("app") ?? "any"
        // Web Push and UBports need no developer credentials, so one
        // backend may serve every app ("any", the original app_name: any).
        if app == "any" && (vendor == .apns || vendor == .fcm || vendor == .wns) {
            throw ConfigError(r.keyPath("app"), "required for \(vendor.rawValue): the app name clients register for")
        }
        var b = BackendConfig(vendor: vendor, app: app, configKey: r.path)
        b.endpoint = try r.string("endpoint")
        if let endpoint = b.endpoint, !(endpoint.hasPrefix("https://") || endpoint.hasPrefix("http://")) {
            throw ConfigError(r.keyPath("endpoint"), "expected an http or https URL, got \"\(endpoint)\"")
        }
        b.caFile = try r.string("ca_file")
        switch vendor {
        case .apns:
            guard let topic = try r.string("topic") else { throw ConfigError(r.keyPath("topic"), "required: the app's bundle id") }
            b.topic = topic
            let keyFile = try r.string("key_file"), keyID = try r.string("key_id"), teamID = try r.string("team_id")
            let certFile = try r.string("cert_file"), certKey = try r.string("cert_key_file")
            if let keyFile {
                guard let keyID else { throw ConfigError(r.keyPath("key_id"), "required with key_file: the key's 10-character id") }
                guard let teamID else { throw ConfigError(r.keyPath("team_id"), "required with key_file: the developer team id") }
                guard certFile == nil else { throw ConfigError(r.keyPath("cert_file"), "give key_file (token auth) or cert_file (certificate auth), not both") }
                b.apnsAuth = .token(keyFile: keyFile, keyID: keyID, teamID: teamID)
            } else if let certFile {
                b.apnsAuth = .certificate(certFile: certFile, keyFile: certKey ?? certFile)
            } else {
                throw ConfigError(r.keyPath("key_file"), "required: a .p8 key for token auth (or cert_file for certificate auth)")
            }
            switch try r.string("environment") ?? "production" {
            case "production": b.sandbox = false
            case "sandbox", "development": b.sandbox = true
            case let other: throw ConfigError(r.keyPath("environment"), "expected production or sandbox, got \"\(other)\"")
            }
            if let type = try r.string("push_type") {
                guard ["alert", "background", "voip"].contains(type) else {
                    throw ConfigError(r.keyPath("push_type"), "expected alert, background or voip, got \"\(type)\"")
                }
                b.pushType = type
            }
            b.alertBody = try r.string("alert_body") ?? b.alertBody
            b.mutableContent = try r.bool("mutable_content") ?? b.mutableContent
            if let sound = r.raw("sound") {
                guard let s = sound.stringValue else { throw ConfigError(r.keyPath("sound"), "expected a string") }
                b.sound = s.isEmpty ? nil : s
            }
        case .fcm:
            guard let file = try r.string("service_account_file") else {
                throw ConfigError(r.keyPath("service_account_file"), "required: the service-account JSON from the Firebase console")
            }
            b.serviceAccountFile = file
        case .webpush:
            try decodeWebPush(&r, into: &b)
        case .wns:
            try decodeWNS(&r, into: &b)
        case .ubuntu:
            break
        }
        try r.rejectUnknownKeys()
        return b
    }

    /// The keys of `type: "webpush"`.
    private static func decodeWebPush(_ r: inout ObjectReader, into b: inout BackendConfig) throws(ConfigError) {
        guard b.endpoint == nil else {
            throw ConfigError(r.keyPath("endpoint"), "not used by webpush: each subscription names its own endpoint")
        }
        guard let keyFile = try r.string("vapid_private_key_file") else {
            throw ConfigError(r.keyPath("vapid_private_key_file"), "required: the VAPID key (PEM, P-256) that signs pushes")
        }
        b.vapidPrivateKeyFile = keyFile
        guard let subject = try r.string("subject") else {
            throw ConfigError(r.keyPath("subject"), "required: a mailto: or https: contact for push services")
        }
        guard subject.hasPrefix("mailto:") || subject.hasPrefix("https:") else {
            throw ConfigError(r.keyPath("subject"), "must start with mailto: or https:, got \"\(subject)\"")
        }
        b.subject = subject
        b.allowHTTP = try r.bool("allow_http") ?? b.allowHTTP
        b.allowPrivateAddresses = try r.bool("allow_private_addresses") ?? b.allowPrivateAddresses
        // Push services keep messages up to four weeks at most.
        b.ttlSeconds = try r.int("ttl_s", min: 0, max: 2_419_200)
        b.padTo = try r.int("pad_to", min: 1, max: 4096) ?? b.padTo
    }

    /// The keys of `type: "wns"`.
    private static func decodeWNS(_ r: inout ObjectReader, into b: inout BackendConfig) throws(ConfigError) {
        guard let sid = try r.string("package_sid") else {
            throw ConfigError(r.keyPath("package_sid"), "required: the package SID (ms-app://…) from the Partner Center")
        }
        b.packageSID = sid
        b.clientSecret = try r.string("client_secret")
        b.clientSecretFile = try r.string("client_secret_file")
        switch (b.clientSecret, b.clientSecretFile) {
        case (nil, nil):
            throw ConfigError(r.keyPath("client_secret"), "required: the client secret (or client_secret_file)")
        case (_?, _?):
            throw ConfigError(r.keyPath("client_secret_file"), "give client_secret or client_secret_file, not both")
        default:
            break
        }
        if let endpoint = try r.string("token_endpoint") {
            guard endpoint.hasPrefix("https://") || endpoint.hasPrefix("http://") else {
                throw ConfigError(r.keyPath("token_endpoint"), "expected an http or https URL, got \"\(endpoint)\"")
            }
            b.tokenEndpoint = endpoint
        }
        if let type = try r.string("wns_type") {
            guard type == "raw" || type == "toast" else {
                throw ConfigError(r.keyPath("wns_type"), "expected raw or toast, got \"\(type)\"")
            }
            b.wnsType = type
        }
        b.ttlSeconds = try r.int("ttl_s", min: 1)
    }
}

import NudgeXMPP
