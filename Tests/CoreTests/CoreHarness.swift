import NudgeCore
import NudgeStore
import NudgeXMPP

/// Drives the sans-IO core as the writer thread would: one input, one
/// transaction, at a time the test chooses.
final class CoreHarness {
    let config: Config
    let store: MemoryStore
    let core: ServerSide
    var now: Millis = 1_700_000_000_000
    /// What the engine's host thread keeps of the sessions' activity.
    var activity = ActivityTable()

    /// `store`: another harness's, as a restart with a changed configuration.
    init(store: MemoryStore = MemoryStore(), _ configure: (inout Config) -> Void = { _ in }) {
        self.store = store
        var c = Config(storePath: "/unused", domains: ["example.net"])
        c.appServer.pubsubHost = "push.example.net"
        configure(&c)
        config = c
        core = ServerSide(config: c, random: SeededRandom(seed: 42))
    }

    @discardableResult
    func run(_ input: CoreInput) throws -> [CoreAction] {
        let actions = try store.write { txn in try core.handle(input, now: now, store: txn) }
        for action in actions { core.committed(action) }   // as the writer does after the commit
        return actions
    }

    func advance(seconds: Double) { now += Millis(seconds * 1000) }

    @discardableResult
    func iq(_ xml: String) throws -> Element {
        let actions = try run(.iq(try XMLParser.parse(xml)))
        guard let reply = actions.sent.first(where: { $0.name == "iq" && $0[attribute: "type"] != "set" }) else {
            throw HarnessError("no iq reply to \(xml)")
        }
        return reply
    }

    @discardableResult
    func enable(_ full: String = "juliet@example.net/phone", service: String = "push.remote.example",
                node: String = "node-1", extra: String = "") throws -> Element {
        try iq("<iq type='set' id='en' from='\(full)'><enable xmlns='urn:xmpp:push:0' jid='\(service)' node='\(node)'>\(extra)</enable></iq>")
    }

    /// A publish-options form, as an enable or a publish carries it.
    static func publishOptions(_ fields: [(String, String)]) -> String {
        "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>"
            + fieldsXML(fields) + "</x>"
    }

    /// Enables push at this engine's own app server with a registration's node and secret.
    @discardableResult
    func enable(_ full: String = "juliet@example.net/phone", at reg: Registered) throws -> Element {
        try enable(full, service: "push.example.net", node: reg.node, extra: Self.publishOptions([("secret", reg.secret)]))
    }

    @discardableResult
    func held(_ target: String, _ xml: String, roomNick: String? = nil, archived: Bool = false) throws -> [CoreAction] {
        let jid = try JID(target)
        let classifier = Classifier(notifyOn: config.server.notifyOn)
        // As the engine's index answers it: what do the target's enablements want?
        var wants = HeldWants()
        for (_, record) in try store.read({ try $0.enables(ofUser: jid.bare.description) })
        where jid.resource == nil || record.resource == jid.resource {
            wants.add(record)
        }
        guard var held = classifier.classify(try XMLParser.parse(xml), user: jid.bare, roomNick: roomNick,
                                             wants: wants, archivedByHost: archived) else { return [] }
        if wants.grace { held.activeAt = activity.recent(user: jid.bare.description, now: now) }
        return try run(.held(target: jid, held))
    }

    /// The session `full` sent `xml`, as nudge_session_activity() notes it.
    func sent(_ full: String, _ xml: String) throws {
        let jid = try JID(full)
        guard SessionActivity.showsUser(try XMLParser.parse(xml)), let resource = jid.resource else { return }
        activity.note(user: jid.bare.description, resource: resource, at: now)
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// xorshift64*: deterministic ids and jitter in tests.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed | 1 }
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }
}

extension Array where Element == CoreAction {
    var sent: [NudgeXMPP.Element] {
        compactMap { if case .send(let e) = $0 { return e } else { return nil } }
    }
    var publishes: [NudgeXMPP.Element] { sent.filter { $0.name == "iq" && $0[attribute: "type"] == "set" } }
    var schedules: [(TimerKey, Millis)] {
        compactMap { if case .schedule(let k, let at) = $0 { return (k, at) } else { return nil } }
    }
    var disabled: [(EnableKey, String)] {
        compactMap { if case .disabled(let k, let r) = $0 { return (k, r) } else { return nil } }
    }
    var logs: [String] {
        compactMap { if case .log(_, let t) = $0 { return t } else { return nil } }
    }
}

extension NudgeXMPP.Element {
    /// The summary form of a publish.
    var summary: DataForm? {
        guard let x = child("pubsub")?.child("publish")?.child("item")?.child("notification")?.child("x") else { return nil }
        return try? DataForm(x)
    }

    var errorCondition: String? {
        child("error")?.elements.first { $0.name != "text" }?.name
    }

    var errorText: String? {
        child("error")?.child("text")?.text
    }
}

enum TestBackends {
    static var apns: BackendConfig {
        var b = BackendConfig(vendor: .apns, app: "chatninja", configKey: "appserver.backends[0]")
        b.topic = "im.chatninja.app"
        b.apnsAuth = .token(keyFile: "/unused.p8", keyID: "ABC123DEFG", teamID: "DEF123GHIJ")
        return b
    }
    static var fcm: BackendConfig {
        var b = BackendConfig(vendor: .fcm, app: "chatninja", configKey: "appserver.backends[1]")
        b.serviceAccountFile = "/unused.json"
        return b
    }
}

extension CoreHarness {
    struct Registered { var node: String; var secret: String }

    /// Registers a device by ad-hoc command, as a client would.
    func register(_ full: String = "juliet@example.net/phone", command: String = "register-push-apns",
                  fields: [(String, String)] = [("token", "a1b2c3d4e5f6")]) throws -> Registered {
        let reply = try iq(commandXML(full, command, fields))
        guard reply[attribute: "type"] == "result", let x = reply.child("command")?.child("x") else {
            throw HarnessError("registration refused: \(reply.serialized())")
        }
        let form = try DataForm(x)
        return Registered(node: form.value("node") ?? "", secret: form.value("secret") ?? "")
    }

    func commandXML(_ full: String, _ command: String, _ fields: [(String, String)]) -> String {
        "<iq type='set' id='c' from='\(full)' to='example.net'><command xmlns='http://jabber.org/protocol/commands' node='\(command)' action='execute'>"
            + "<x xmlns='jabber:x:data' type='submit'>" + Self.fieldsXML(fields) + "</x></command></iq>"
    }

    /// Repeated names become one field with several values, as XEP-0004
    /// has list-multi fields.
    static func fieldsXML(_ fields: [(String, String)]) -> String {
        var order: [String] = []
        var values: [String: [String]] = [:]
        for (name, value) in fields {
            if values[name] == nil { order.append(name) }
            values[name, default: []].append(value)
        }
        return order.map { name in
            "<field var='\(name)'>" + values[name]!.map { "<value>\($0)</value>" }.joined() + "</field>"
        }.joined()
    }
}
