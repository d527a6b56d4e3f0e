import Testing
import NudgeCore

/// The configuration keys of the webpush, wns and ubuntu backends, read
/// from JSON as operators write them.
@Suite struct BackendConfigDecodeTests {
    func backend(_ json: String) throws -> BackendConfig {
        let config = try Config(json: """
        {"store": {"path": "/s"}, "server": {"domains": ["example.com"]},
         "appserver": {"pubsub_host": "push.example.com", "backends": [\(json)]}}
        """)
        return try #require(config.appServer.backends.first)
    }

    func error(_ json: String) -> String? {
        do {
            _ = try backend(json)
            return nil
        } catch let error as ConfigError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test func webPushDefaults() throws {
        let b = try backend(#"{"type": "webpush", "vapid_private_key_file": "/k.pem", "subject": "mailto:a@example.com"}"#)
        #expect(b.vendor == .webpush && b.app == "any")
        #expect(b.vapidPrivateKeyFile == "/k.pem" && b.subject == "mailto:a@example.com")
        #expect(!b.allowHTTP && !b.allowPrivateAddresses)
        #expect(b.ttlSeconds == nil && b.padTo == 1024)
    }

    @Test func webPushEveryKey() throws {
        let b = try backend("""
        {"type": "webpush", "app": "up", "vapid_private_key_file": "/k.pem", "subject": "https://example.com/c",
         "allow_http": true, "allow_private_addresses": true, "ttl_s": 600, "pad_to": 256, "ca_file": "/ca.pem"}
        """)
        #expect(b.app == "up" && b.allowHTTP && b.allowPrivateAddresses && b.ttlSeconds == 600 && b.padTo == 256)
        #expect(b.caFile == "/ca.pem")
    }

    @Test(arguments: [
        (#"{"type": "webpush", "subject": "mailto:a@b.c"}"#,
         "appserver.backends[0].vapid_private_key_file: required: the VAPID key (PEM, P-256) that signs pushes"),
        (#"{"type": "webpush", "vapid_private_key_file": "/k"}"#,
         "appserver.backends[0].subject: required: a mailto: or https: contact for push services"),
        (#"{"type": "webpush", "vapid_private_key_file": "/k", "subject": "a@b.c"}"#,
         #"appserver.backends[0].subject: must start with mailto: or https:, got "a@b.c""#),
        (#"{"type": "webpush", "vapid_private_key_file": "/k", "subject": "mailto:a@b.c", "allow_http": "yes"}"#,
         "appserver.backends[0].allow_http: expected true or false"),
        (#"{"type": "webpush", "vapid_private_key_file": "/k", "subject": "mailto:a@b.c", "pad_to": 0}"#,
         "appserver.backends[0].pad_to: expected a whole number from 1 to 4096"),
        (#"{"type": "webpush", "vapid_private_key_file": "/k", "subject": "mailto:a@b.c", "ttl_s": -1}"#,
         "appserver.backends[0].ttl_s: expected a whole number from 0 to 2419200"),
        (#"{"type": "webpush", "vapid_private_key_file": "/k", "subject": "mailto:a@b.c", "endpoint": "https://x"}"#,
         "appserver.backends[0].endpoint: not used by webpush: each subscription names its own endpoint"),
        (#"{"type": "webpush", "vapid_private_key_file": "/k", "subject": "mailto:a@b.c", "package_sid": "x"}"#,
         "appserver.backends[0].package_sid: unknown key"),
        (#"{"type": "wns", "package_sid": "ms-app://s", "client_secret": "x"}"#,
         "appserver.backends[0].app: required for wns: the app name clients register for"),
        (#"{"type": "wns", "app": "a", "client_secret": "x"}"#,
         "appserver.backends[0].package_sid: required: the package SID (ms-app://…) from the Partner Center"),
        (#"{"type": "wns", "app": "a", "package_sid": "ms-app://s"}"#,
         "appserver.backends[0].client_secret: required: the client secret (or client_secret_file)"),
        (#"{"type": "wns", "app": "a", "package_sid": "ms-app://s", "client_secret": "x", "client_secret_file": "/f"}"#,
         "appserver.backends[0].client_secret_file: give client_secret or client_secret_file, not both"),
        (#"{"type": "wns", "app": "a", "package_sid": "ms-app://s", "client_secret": "x", "wns_type": "tile"}"#,
         #"appserver.backends[0].wns_type: expected raw or toast, got "tile""#),
        (#"{"type": "wns", "app": "a", "package_sid": "ms-app://s", "client_secret": "x", "token_endpoint": "login"}"#,
         #"appserver.backends[0].token_endpoint: expected an http or https URL, got "login""#),
        (#"{"type": "wns", "app": "a", "package_sid": "ms-app://s", "client_secret": "x", "ttl_s": 0}"#,
         "appserver.backends[0].ttl_s: expected a whole number from 1"),
        (#"{"type": "ubuntu", "endpoint": "push.ubports.com"}"#,
         #"appserver.backends[0].endpoint: expected an http or https URL, got "push.ubports.com""#),
        (#"{"type": "ubuntu", "subject": "mailto:a@b.c"}"#, "appserver.backends[0].subject: unknown key"),
        (#"{"type": "simplepush"}"#,
         #"appserver.backends[0].type: unknown backend type "simplepush" (expected apns, fcm, webpush, wns or ubuntu)"#),
        (#"{"app": "x"}"#, "appserver.backends[0].type: required: apns, fcm, webpush, wns or ubuntu"),
    ])
    func errorsNameTheKey(json: String, message: String) {
        let got = error(json)
        #expect(got?.hasPrefix(message) == true, "\(got ?? "accepted")")
    }

    @Test func wnsKeys() throws {
        let b = try backend("""
        {"type": "wns", "app": "chat", "package_sid": "ms-app://s-1", "client_secret_file": "/etc/wns",
         "token_endpoint": "https://127.0.0.1:9/t", "wns_type": "toast", "ttl_s": 3600}
        """)
        #expect(b.vendor == .wns && b.packageSID == "ms-app://s-1" && b.clientSecretFile == "/etc/wns" && b.clientSecret == nil)
        #expect(b.tokenEndpoint == "https://127.0.0.1:9/t" && b.wnsType == "toast" && b.ttlSeconds == 3600)
        let d = try backend(#"{"type": "wns", "app": "chat", "package_sid": "ms-app://s-1", "client_secret": "x"}"#)
        #expect(d.tokenEndpoint == "https://login.live.com/accesstoken.srf" && d.wnsType == "raw" && d.ttlSeconds == nil)
    }

    @Test func ubuntuNeedsNothing() throws {
        let b = try backend(#"{"type": "ubuntu"}"#)
        #expect(b.vendor == .ubuntu && b.app == "any" && b.endpoint == nil)
        #expect(try backend(#"{"type": "ubuntu", "endpoint": "https://push.example.org"}"#).endpoint == "https://push.example.org")
    }
}
