/// The ad-hoc commands of the original mod_push, which existing clients
/// send unchanged.
enum AdHocCommand: Equatable {
    case register(BackendConfig.Vendor)
    case list
    case unregister
    /// Conversations' `unregister-push-fcm`: one room's registration.
    case unregisterRoom
    /// Tigase's `register-device` and `unregister-device` (TigaseProvider).
    case registerDevice
    case unregisterDevice

    /// nil for unknown nodes and for vendors no backend is configured for.
    init?(node: String, backends: [BackendConfig]) {
        switch node {
        case "list-push-registrations": self = .list
        case "unregister-push": self = .unregister
        case "register-push-gcm": self = .register(.fcm)   // GCM is gone; its clients now hold FCM tokens
        case "register-device", "unregister-device":
            guard !TigaseProvider.served(by: backends).isEmpty else { return nil }
            self = node == "register-device" ? .registerDevice : .unregisterDevice
        case "unregister-push-fcm":
            guard backends.contains(where: { $0.vendor == .fcm }) else { return nil }
            self = .unregisterRoom
        default:
            guard node.hasPrefix("register-push-"),
                  let vendor = BackendConfig.Vendor.allCases.first(where: { "register-push-" + $0.commandSuffix == node }),
                  backends.contains(where: { $0.vendor == vendor }) else { return nil }
            self = .register(vendor)
        }
    }

    /// Whether a command node registers a device (costing registration
    /// budget), whatever the backends: decided before the writer sees it.
    static func registers(_ node: String) -> Bool {
        node.hasPrefix("register-push-") || node == "register-device"
    }

    static func all(backends: [BackendConfig]) -> [AdHocCommand] {
        let vendors = BackendConfig.Vendor.allCases.filter { v in backends.contains { $0.vendor == v } }
        return vendors.map { .register($0) } + [.list, .unregister] + (vendors.contains(.fcm) ? [.unregisterRoom] : [])
            + (TigaseProvider.served(by: backends).isEmpty ? [] : [.registerDevice, .unregisterDevice])
    }

    var node: String {
        switch self {
        case .register(let v): return "register-push-" + v.commandSuffix
        case .list: return "list-push-registrations"
        case .unregister: return "unregister-push"
        case .unregisterRoom: return "unregister-push-fcm"
        case .registerDevice: return "register-device"
        case .unregisterDevice: return "unregister-device"
        }
    }

    func name(backends: [BackendConfig]) -> String {
        switch self {
        case .register(let v):
            let apps = backends.filter { $0.vendor == v }.map(\.app)
            return "Register a device with \(v.displayName) (apps: \(apps.joined(separator: ", ")))"
        case .list: return "List your push registrations"
        case .unregister: return "Remove push registrations"
        case .unregisterRoom: return "Remove a room's push registration (Conversations)"
        case .registerDevice: return "Register a device (providers: \(TigaseProvider.served(by: backends).joined(separator: ", ")))"
        case .unregisterDevice: return "Unregister a device"
        }
    }
}

extension BackendConfig.Vendor {
    var displayName: String {
        switch self {
        case .apns: return "APNs"
        case .fcm: return "FCM"
        case .webpush: return "Web Push"
        case .wns: return "WNS"
        case .ubuntu: return "Ubuntu Push"
        }
    }
}
