import NudgeXMPP

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
    /// Where a registration naming no app goes when several backends of
    /// this vendor exist (`default`); without one marked, the first listed.
    public var isDefault = false
    /// `appserver.backends[i]`, for messages.
    public var configKey: String
    /// The vendor's base URL: production by default; tests and proxies
    /// point it elsewhere.
    public var endpoint: String?
    /// Extra trust anchors (a PEM bundle) for the endpoint's TLS.
    public var caFile: String?
    /// The Tigase `register-device` provider ids this backend serves
    /// (APNs and FCM; TigaseProvider.routes): each names an app build.
    public var tigaseProviders: [String] = []

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
    /// Decodes `appserver.backends[index]` through the keys of its type
    /// (BackendSettings.swift).
    static func decode(_ json: NudgeXMPP.JSON, index: Int) throws(ConfigError) -> BackendConfig {
        var r = try ObjectReader(json, path: "appserver.backends[\(index)]")
        let types = alternatives(Vendor.allCases.map(\.rawValue))
        guard let typeName = try r.string("type") else { throw ConfigError(r.keyPath("type"), "required: \(types)") }
        guard let vendor = Vendor(rawValue: typeName) else {
            throw ConfigError(r.keyPath("type"), "unknown backend type \"\(typeName)\" (expected \(types))")
        }
        var b = BackendDraft(vendor, configKey: r.path)
        var warnings: [String] = []
        for setting in settings(vendor) { try setting.apply(&r, &b, warnings: &warnings) }
        for (key, reason) in refused(vendor) where r.has(key) { throw ConfigError(r.keyPath(key), reason) }
        try check(&b, r)
        try r.rejectUnknownKeys(hint: elsewhere(vendor))
        return b.config
    }
}
