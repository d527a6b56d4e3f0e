import NudgeXMPP

/// Tigase's push dialect (Siskin, Snikket iOS, via TigaseSwift's
/// `TigasePushNotificationsModule.registerDevice`): `register-device`
/// names a provider and a device token, the reply names only a node, and
/// the enable that follows carries no secret. The node, long and random,
/// is the credential, as at Tigase's own push component.
///
/// A provider id names an app build (Siskin sends `tigase:messenger:apns:1`,
/// Snikket iOS `snikket:apns:1`), whose key and topic must push to it: a
/// backend's `tigase_providers` says which ids it serves.
public enum TigaseProvider {
    /// The providers served without `tigase_providers`, each by the default
    /// backend of its vendor: Siskin's, and Tigase's Android clients'.
    static let builtIn: [(provider: String, vendor: BackendConfig.Vendor)] = [
        ("tigase:messenger:apns:1", .apns),
        ("fcm-xmpp-api", .fcm),
    ]

    /// The vendors a backend may serve Tigase providers for.
    static let vendors: [BackendConfig.Vendor] = [.apns, .fcm]

    /// The registration extra naming the provider: its presence marks a
    /// registration whose node needs no secret.
    public static let extraKey = "provider"
    /// The PushKit token (`device-second-token`) for VoIP pushes.
    public static let voipTokenKey = "voip-token"
    /// Bytes of randomness in a node that is its own credential.
    static let nodeBytes = 18

    /// What `register-device`'s reply names in `features`: Siskin asks the
    /// server for encrypted pushes only when the push service says it can
    /// deliver them (`SiskinPushNotificationsModule.enable`), which the
    /// APNs backend does (APNsPayload). Nil for the others.
    static func features(_ vendor: BackendConfig.Vendor) -> [String]? {
        vendor == .apns ? [NS.tigasePushEncrypt] : nil
    }

    /// The vendor a provider id names among its `:`- or `-`-separated
    /// parts (`snikket:apns:1`, `fcm-xmpp-api`); nil when it names none
    /// or both.
    static func vendor(of provider: String) -> BackendConfig.Vendor? {
        let parts = Set(provider.split(whereSeparator: { $0 == ":" || $0 == "-" }).map(String.init))
        let named = vendors.filter { parts.contains($0.rawValue) }
        return named.count == 1 ? named[0] : nil
    }

    /// Each served provider and the backend it reaches, in the order of
    /// the backends: the ids a backend lists, and a built-in id at the
    /// default backend of its vendor when no backend of that vendor lists
    /// any (an APNs backend listing only `snikket:apns:1` must not get
    /// Siskin's registrations, which its key and topic cannot push to).
    static func routes(_ backends: [BackendConfig]) -> [(provider: String, backend: BackendConfig)] {
        backends.flatMap { b -> [(provider: String, backend: BackendConfig)] in
            if !b.tigaseProviders.isEmpty { return b.tigaseProviders.map { ($0, b) } }
            let vendorNamesProviders = backends.contains { $0.vendor == b.vendor && !$0.tigaseProviders.isEmpty }
            guard !vendorNamesProviders, BackendConfig.defaultBackend(of: b.vendor, in: backends) == b else { return [] }
            return builtIn.filter { $0.vendor == b.vendor }.map { ($0.provider, b) }
        }
    }

    /// The backend `provider` reaches; nil when no backend serves it.
    static func backend(for provider: String, in backends: [BackendConfig]) -> BackendConfig? {
        routes(backends).first { $0.provider == provider }?.backend
    }

    /// The providers served by `backends`: disco features of the pubsub
    /// host, which Tigase's clients look for when they choose a service.
    static func served(by backends: [BackendConfig]) -> [String] {
        routes(backends).map(\.provider)
    }
}
