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
        guard let typeName = try r.string("type") else { throw ConfigError(r.keyPath("type"), "required: apns or fcm") }
        guard let vendor = Vendor(rawValue: typeName), vendor == .apns || vendor == .fcm else {
            throw ConfigError(r.keyPath("type"), "unknown backend type \"\(typeName)\" (this build has apns and fcm)")
        }
        let app = try r.string("app") ?? "any"
        if app == "any" && (vendor == .apns || vendor == .fcm) {
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
        case .webpush, .wns, .ubuntu:
            break
        }
        try r.rejectUnknownKeys()
        return b
    }
}

import NudgeXMPP
