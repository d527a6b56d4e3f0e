import Testing
import NudgeCore
import NudgeStore
import NudgeXMPP

/// Which backend a registration or a token node reaches when several of
/// one vendor are configured: Monal's sandbox builds (pushModule
/// `monalProdiOS-sandbox`, Monal `XMPPIQ.m` setPushEnableWithNode) are an
/// app of their own, with the same key in the sandbox environment.
@Suite struct BackendChoice {
    static func apns(_ app: String, sandbox: Bool = false, isDefault: Bool = false, index: Int) -> BackendConfig {
        var b = TestBackends.apns
        b.app = app
        b.sandbox = sandbox
        b.isDefault = isDefault
        b.configKey = "appserver.backends[\(index)]"
        return b
    }

    func harness(_ backends: [BackendConfig], tokenNodes: Bool = false) -> CoreHarness {
        CoreHarness { c in
            c.appServer.backends = backends
            c.appServer.tokenNodes = tokenNodes
        }
    }

    func app(_ h: CoreHarness, _ reg: CoreHarness.Registered) throws -> String? {
        try h.store.read { try $0.registration(node: reg.node) }?.app
    }

    @Test func aRegistrationNamingNoAppGoesToTheFirstListed() throws {
        let h = harness([Self.apns("monalProdiOS", index: 0), Self.apns("monalProdiOS-sandbox", sandbox: true, index: 1)])
        #expect(try app(h, h.register()) == "monalProdiOS")
    }

    @Test func orToTheOneMarkedDefault() throws {
        let h = harness([Self.apns("monalProdiOS", index: 0), Self.apns("monalProdiOS-sandbox", sandbox: true, isDefault: true, index: 1)])
        #expect(try app(h, h.register()) == "monalProdiOS-sandbox")
        // The form a client asks for offers the default first.
        let reply = try h.iq("<iq type='set' id='c' from='juliet@example.net/phone' to='example.net'><command xmlns='http://jabber.org/protocol/commands' node='register-push-apns' action='execute'/></iq>")
        let form = try DataForm(#require(reply.child("command")?.child("x")))
        #expect(form.value("app") == "monalProdiOS-sandbox")
    }

    @Test func aNamedAppStillWins() throws {
        let h = harness([Self.apns("monalProdiOS", index: 0), Self.apns("monalProdiOS-sandbox", sandbox: true, isDefault: true, index: 1)])
        #expect(try app(h, h.register(fields: [("token", "ab"), ("app", "monalProdiOS")])) == "monalProdiOS")
    }

    @Test func monalsSandboxPushModuleReachesTheSandboxBackend() throws {
        let h = harness([Self.apns("monalProdiOS", index: 0), Self.apns("monalProdiOS-sandbox", sandbox: true, index: 1)], tokenNodes: true)
        let token = "a1b2c3d4e5f60718"
        let enable = try h.enable(service: "push.example.net", node: token,
                                  extra: CoreHarness.publishOptions([("pushModule", "monalProdiOS-sandbox")]))
        #expect(enable[attribute: "type"] == "result")
    }

    @Test(arguments: [
        (#"[{"type":"apns","app":"a","topic":"t","cert_file":"/c"},{"type":"apns","app":"a","topic":"t","cert_file":"/c","environment":"sandbox"}]"#,
         "appserver.backends[1].app: appserver.backends[0] already serves apns app \"a\""),
        (#"[{"type":"apns","app":"a","topic":"t","cert_file":"/c","default":true},{"type":"apns","app":"b","topic":"t","cert_file":"/c","default":true}]"#,
         "appserver.backends[1].default: appserver.backends[0] is already the default apns backend"),
    ])
    func ambiguousChoicesAreRefusedAtLoad(backends: String, message: String) {
        let json = #"{"store":{"path":"/s"},"server":{"domains":["x"]},"appserver":{"pubsub_host":"push.x","backends":"# + backends + "}}"
        do {
            _ = try Config(json: json)
            Issue.record("accepted: \(json)")
        } catch {
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    @Test func defaultsOfDifferentVendorsAndOneAppOnTwoVendorsAreFine() throws {
        let c = try Config(json: #"{"store":{"path":"/s"},"server":{"domains":["x"]},"appserver":{"pubsub_host":"push.x","backends":[{"type":"apns","app":"a","topic":"t","cert_file":"/c","default":true},{"type":"fcm","app":"a","service_account_file":"/f","default":true}]}}"#)
        #expect(c.appServer.backends.map(\.isDefault) == [true, true])
    }
}
