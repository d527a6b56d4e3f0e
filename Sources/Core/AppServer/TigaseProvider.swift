import NudgeXMPP

/// Tigase's push dialect (Siskin, Snikket iOS, via TigaseSwift's
/// `TigasePushNotificationsModule.registerDevice`): `register-device`
/// names a provider and a device token, the reply names only a node, and
/// the enable that follows carries no secret. The node, long and random,
/// is the credential, as at Tigase's own push component.
public enum TigaseProvider {
    /// The providers Tigase's clients name, and the vendor each is.
    /// Siskin and Snikket iOS send `tigase:messenger:apns:1`; Tigase's
    /// Android clients `fcm-xmpp-api`.
    static let vendors: [(provider: String, vendor: BackendConfig.Vendor)] = [
        ("tigase:messenger:apns:1", .apns),
        ("fcm-xmpp-api", .fcm),
    ]

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

    static func vendor(_ provider: String) -> BackendConfig.Vendor? {
        vendors.first { $0.provider == provider }?.vendor
    }

    /// The providers served by `backends`: disco features of the pubsub
    /// host, which Tigase's clients look for when they choose a service.
    static func served(by backends: [BackendConfig]) -> [String] {
        vendors.filter { v in backends.contains { $0.vendor == v.vendor } }.map(\.provider)
    }
}
