@testable import NudgeCore
import NudgeDelivery
import NudgeStore
import NudgeXMPP

/// Jobs and configurations for the vendor adapter tests.
enum VendorTestJobs {
    static let apnsToken = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
    static let fcmToken = "fcm-token:APA91bH-example_token"
    static let createdAt: Millis = 1_700_000_000_000

    /// A job whose notification carries a summary form with `fields`.
    static func job(vendor: String = "apns", token: String = apnsToken, fields: [(String, String)] = [],
                    priority: Priority = .normal, node: String = "node-1", createdAt: Millis = createdAt,
                    seq: UInt64 = 1, extra: [(String, String)] = []) -> DeliveryJob {
        var form = DataForm(type: "submit", formType: NS.pushSummary)
        for (name, value) in fields { form.fields.append(.init(name, values: [value])) }
        var notification = Element("notification", namespace: NS.push)
        notification.append(form.element)
        let registration = RegRecord(vendor: vendor, app: "chat", token: token,
                                     extra: extra.map { StoredField(name: $0.0, values: [$0.1]) }, secretDigest: [],
                                     owner: "juliet@example.com", deviceID: "phone", deviceName: nil,
                                     createdAt: 0, updatedAt: 0)
        return DeliveryJob(seq: seq, node: node, registration: registration, summary: PushSummary(notification: notification),
                           priority: priority, attempt: 0, createdAt: createdAt, stanzaAt: createdAt)
    }

    /// The summary of a message from Romeo, as a user who allows everything sends it.
    static let messageFields: [(String, String)] = [
        ("message-count", "3"), ("pending-subscription-count", "1"),
        ("last-message-sender", "romeo@example.net"), ("last-message-body", "Wherefore art thou?"),
        ("last-message-priority", "normal"),
    ]

    static func apnsConfig(_ directory: VendorTestDirectory, pushType: String = "alert", sandbox: Bool = false,
                           endpoint: String? = nil) -> BackendConfig {
        var config = BackendConfig(vendor: .apns, app: "chat", configKey: "appserver.backends[0]")
        config.topic = "org.example.chat"
        config.apnsAuth = .token(keyFile: directory.write("AuthKey.p8", VendorTestKeys.p256PKCS8),
                                 keyID: "ABC123DEFG", teamID: "DEF123GHIJ")
        config.pushType = pushType
        config.sandbox = sandbox
        config.endpoint = endpoint
        return config
    }

    static func fcmConfig(_ directory: VendorTestDirectory, endpoint: String? = nil) -> BackendConfig {
        var config = BackendConfig(vendor: .fcm, app: "chat", configKey: "appserver.backends[1]")
        config.serviceAccountFile = directory.serviceAccount()
        config.endpoint = endpoint
        return config
    }

    static func webPushConfig(_ directory: VendorTestDirectory, subject: String = "mailto:push@example.com") -> BackendConfig {
        var config = BackendConfig(vendor: .webpush, app: "any", configKey: "appserver.backends[2]")
        config.vapidPrivateKeyFile = directory.write("vapid.pem", VendorTestKeys.p256PKCS8)
        config.subject = subject
        return config
    }

    static func wnsConfig(type: String = "raw", endpoint: String? = nil) -> BackendConfig {
        var config = BackendConfig(vendor: .wns, app: "chat", configKey: "appserver.backends[3]")
        config.packageSID = "ms-app://s-1-15-2-1234"
        config.clientSecret = "s3cr&t=+/ x"
        config.wnsType = type
        config.endpoint = endpoint
        return config
    }

    static func ubportsConfig(endpoint: String? = nil) -> BackendConfig {
        var config = BackendConfig(vendor: .ubuntu, app: "any", configKey: "appserver.backends[4]")
        config.endpoint = endpoint
        return config
    }

    /// `make` with warnings collected.
    static func make(_ config: BackendConfig) throws -> (backend: any VendorBackend, warnings: [String]) {
        var warnings: [String] = []
        let backend = try VendorBackends.make(config) { warnings.append($0) }
        return (backend, warnings)
    }

    /// The configuration error `make` throws, or nil when it succeeds.
    static func makeError(_ config: BackendConfig) -> EngineError? {
        do {
            _ = try VendorBackends.make(config) { _ in }
            return nil
        } catch {
            return error
        }
    }
}

/// Reading what the adapters built.
extension HTTPRequest {
    func vendorHeader(_ name: String) -> String? { headers.first { $0.name == name }?.value }
    var vendorBodyJSON: JSON? { try? JSON.parse(String(decoding: body, as: UTF8.self)) }
    var vendorBodyText: String { String(decoding: body, as: UTF8.self) }
}

/// A JSON answer with `status`.
func vendorResponse(_ status: Int, _ body: String = "", headers: [(name: String, value: String)] = []) -> Result<HTTPResponse, HTTPFailure> {
    .success(HTTPResponse(status: status, headers: headers, body: Array(body.utf8)))
}
