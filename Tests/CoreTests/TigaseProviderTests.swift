import Testing
import NudgeCore
import NudgeStore
import NudgeXMPP

/// Which backend a Tigase `register-device` provider reaches: a provider id
/// names an app build, Siskin's `tigase:messenger:apns:1` or Snikket iOS's
/// `snikket:apns:1` (snikket-ios `Snikket/xmpp/SiskinPushNotificationsModule.swift`,
/// `providerId`), each pushed with its own key and topic (`tigase_providers`).
@Suite struct TigaseProviders {
    static let token = "8f2e6f0c2a3b4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6"

    static func apns(_ app: String, topic: String, providers: [String], index: Int) -> BackendConfig {
        var b = TestBackends.apns
        b.app = app
        b.topic = topic
        b.tigaseProviders = providers
        b.configKey = "appserver.backends[\(index)]"
        return b
    }

    static let siskin = apns("siskin", topic: "org.tigase.messenger.mobile", providers: ["tigase:messenger:apns:1"], index: 0)
    static let snikket = apns("snikket", topic: "org.snikket.ios", providers: ["snikket:apns:1"], index: 1)

    func harness(_ backends: [BackendConfig]) -> CoreHarness {
        CoreHarness { $0.appServer.backends = backends }
    }

    func registerDevice(_ h: CoreHarness, provider: String) throws -> Element {
        try h.iq("<iq type='set' id='t1' from='juliet@example.net/phone' to='push.example.net'><command xmlns='http://jabber.org/protocol/commands' node='register-device' action='execute'><x xmlns='jabber:x:data' type='submit'>"
                 + CoreHarness.fieldsXML([("provider", provider), ("device-token", Self.token)]) + "</x></command></iq>")
    }

    /// The app of the registration a reply names.
    func app(_ h: CoreHarness, _ reply: Element) throws -> String? {
        let x = try #require(reply.child("command")?.child("x"))
        let node = try #require(try DataForm(x).value("node"))
        return try h.store.read { try $0.registration(node: node) }?.app
    }

    func providers(_ h: CoreHarness) throws -> [String] {
        let info = try h.iq("<iq type='get' id='d' from='juliet@example.net/phone' to='push.example.net'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
        let features = info.child("query")?.children("feature").compactMap { $0[attribute: "var"] } ?? []
        return features.filter { $0.contains(":apns:") || $0.hasPrefix("fcm-") }
    }

    @Test func eachProviderReachesTheBackendThatListsIt() throws {
        let h = harness([Self.siskin, Self.snikket])
        #expect(try app(h, registerDevice(h, provider: "snikket:apns:1")) == "snikket")
        #expect(try app(h, registerDevice(h, provider: "tigase:messenger:apns:1")) == "siskin")
        #expect(try providers(h) == ["tigase:messenger:apns:1", "snikket:apns:1"])
    }

    @Test func withoutTigaseProvidersTheDefaultBackendsServeTheBuiltInOnes() throws {
        var second = TestBackends.apns
        second.app = "other"
        second.isDefault = true
        second.configKey = "appserver.backends[2]"
        let h = harness([TestBackends.apns, TestBackends.fcm, second])
        #expect(try providers(h) == ["fcm-xmpp-api", "tigase:messenger:apns:1"])
        #expect(try app(h, registerDevice(h, provider: "tigase:messenger:apns:1")) == "other")
    }

    /// Once a backend lists APNs providers, only listed ones reach APNs:
    /// Siskin's registrations must not go to Snikket's key and topic.
    @Test func aProviderNoBackendListsIsNotServed() throws {
        let h = harness([Self.apns("snikket", topic: "org.snikket.ios", providers: ["snikket:apns:1"], index: 0), TestBackends.fcm])
        #expect(try providers(h) == ["snikket:apns:1", "fcm-xmpp-api"])
        let reply = try registerDevice(h, provider: "tigase:messenger:apns:1")
        #expect(reply.errorCondition == "bad-request")
        #expect(reply.errorText == "field provider: tigase:messenger:apns:1 is not one of snikket:apns:1, fcm-xmpp-api")
        #expect(try h.store.read { try $0.registrationCount() } == 0)
    }

    func unregisterDevice(_ h: CoreHarness, provider: String) throws -> Element {
        try h.iq("<iq type='set' id='t2' from='juliet@example.net/phone' to='push.example.net'><command xmlns='http://jabber.org/protocol/commands' node='unregister-device' action='execute'><x xmlns='jabber:x:data' type='submit'>"
                 + CoreHarness.fieldsXML([("provider", provider), ("device-token", Self.token)]) + "</x></command></iq>")
    }

    /// A registration outlives the provider list it was made under: its
    /// provider is read by the vendor it names, and only a provider naming
    /// none is malformed.
    @Test func unregisterReadsTheProviderByItsVendor() throws {
        let h = harness([Self.snikket])
        #expect(try unregisterDevice(h, provider: "tigase:messenger:apns:1").errorCondition == "item-not-found")
        let malformed = try unregisterDevice(h, provider: "carrier-pigeon:1")
        #expect(malformed.errorCondition == "bad-request")
        #expect(malformed.errorText == "field provider: carrier-pigeon:1 names neither apns nor fcm")
        _ = try registerDevice(h, provider: "snikket:apns:1")
        #expect(try unregisterDevice(h, provider: "snikket:apns:1")[attribute: "type"] == "result")
        #expect(try h.store.read { try $0.registrationCount() } == 0)
    }

    static let apnsKeys = #""type":"apns","topic":"t","cert_file":"/c""#

    @Test(arguments: [
        (#"[{"# + apnsKeys + #","app":"a","tigase_providers":["fcm-xmpp-api"]}]"#,
         #"appserver.backends[0].tigase_providers[0]: "fcm-xmpp-api" is a fcm provider, not one of this apns backend's"#),
        (#"[{"type":"fcm","app":"a","service_account_file":"/f","tigase_providers":["snikket:apns:1"]}]"#,
         #"appserver.backends[0].tigase_providers[0]: "snikket:apns:1" is a apns provider, not one of this fcm backend's"#),
        (#"[{"# + apnsKeys + #","app":"a","tigase_providers":["snikket:1"]}]"#,
         #"appserver.backends[0].tigase_providers[0]: "snikket:1" names no vendor"#),
        (#"[{"# + apnsKeys + #","app":"a","tigase_providers":["snikket:apns:1","snikket:apns:1"]}]"#,
         #"appserver.backends[0].tigase_providers[1]: "snikket:apns:1" is listed twice"#),
        (#"[{"# + apnsKeys + #","app":"a","tigase_providers":"snikket:apns:1"}]"#,
         #"appserver.backends[0].tigase_providers: expected an array of strings"#),
        (#"[{"# + apnsKeys + #","app":"a","tigase_providers":["snikket:apns:1"]},{"# + apnsKeys + #","app":"b","tigase_providers":["tigase:messenger:apns:1","snikket:apns:1"]}]"#,
         #"appserver.backends[1].tigase_providers[1]: appserver.backends[0] already serves provider "snikket:apns:1""#),
        (#"[{"type":"webpush","vapid_private_key_file":"/v","subject":"mailto:a@b","tigase_providers":["snikket:apns:1"]}]"#,
         #"appserver.backends[0].tigase_providers: unknown key (not a key of webpush backends but of apns or fcm)"#),
    ])
    func badProviderListsAreRefusedNamingTheKey(backends: String, message: String) {
        let json = #"{"store":{"path":"/s"},"server":{"domains":["x"]},"appserver":{"pubsub_host":"push.x","backends":"# + backends + "}}"
        do {
            _ = try Config(json: json)
            Issue.record("accepted: \(json)")
        } catch {
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    @Test func providerListsAreReadIntoTheirBackends() throws {
        let c = try Config(json: #"{"store":{"path":"/s"},"server":{"domains":["x"]},"appserver":{"pubsub_host":"push.x","backends":[{"# + Self.apnsKeys + #","app":"snikket","tigase_providers":["snikket:apns:1"]},{"type":"fcm","app":"a","service_account_file":"/f"}]}}"#)
        #expect(c.appServer.backends.map(\.tigaseProviders) == [["snikket:apns:1"], []])
    }
}
