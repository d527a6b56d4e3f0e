/// The ad-hoc commands of the original mod_push, which existing clients
/// send unchanged.
enum AdHocCommand: Equatable {
    case register(BackendConfig.Vendor)
    case list
    case unregister

    /// nil for unknown nodes and for vendors no backend is configured for.
    init?(node: String, backends: [BackendConfig]) {
        switch node {
        case "list-push-registrations": self = .list
        case "unregister-push": self = .unregister
        case "register-push-gcm": self = .register(.fcm)   // GCM is gone; its clients now hold FCM tokens
        default:
            guard node.hasPrefix("register-push-"),
                  let vendor = BackendConfig.Vendor.allCases.first(where: { "register-push-" + $0.commandSuffix == node }),
                  backends.contains(where: { $0.vendor == vendor }) else { return nil }
            self = .register(vendor)
        }
    }

    static func all(backends: [BackendConfig]) -> [AdHocCommand] {
        let vendors = BackendConfig.Vendor.allCases.filter { v in backends.contains { $0.vendor == v } }
        return vendors.map { .register($0) } + [.list, .unregister]
    }

    var node: String {
        switch self {
        case .register(let v): return "register-push-" + v.commandSuffix
        case .list: return "list-push-registrations"
        case .unregister: return "unregister-push"
        }
    }

    func name(backends: [BackendConfig]) -> String {
        switch self {
        case .register(let v):
            let apps = backends.filter { $0.vendor == v }.map(\.app)
            return "Register a device with \(v.displayName) (apps: \(apps.joined(separator: ", ")))"
        case .list: return "List your push registrations"
        case .unregister: return "Remove push registrations"
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
