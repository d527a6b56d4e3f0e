import NudgeXMPP
import NudgeStore

/// The app server half of XEP-0357 as a sans-IO component of the core:
/// registration by ad-hoc commands on the register hosts, publishes to
/// `pubsub_host` (from remote servers, or straight from this engine's
/// server side), and the outbox jobs that the delivery layer works off.
final class AppServer {
    let config: Config
    let pubsubHost: String
    /// Where clients may send the registration commands (`registerHosts(_:)`).
    let registerHosts: [String]
    let backends: [BackendConfig]
    /// Node → its undelivered outbox job. Derived from the outbox (rebuilt
    /// at startup) and changed only after commits, so a transaction that
    /// is re-run never sees half-applied state.
    private(set) var pendingJobs: [String: UInt64] = [:]

    init?(config: Config) {
        guard let pubsubHost = config.appServer.pubsubHost else { return nil }
        self.config = config
        self.pubsubHost = pubsubHost
        self.registerHosts = Self.registerHosts(config)
        self.backends = config.appServer.backends
    }

    /// Where clients may send the registration commands: the configured
    /// `appserver.register_host`, or else both the pubsub host and every
    /// domain of the server. Clients differ: Conversations and Tigase's
    /// clients send them to the app server's JID, the original mod_push's
    /// clients to their own domain; serving both on every host is decided
    /// here, once, and the bindings follow `nudge_info()`.
    static func registerHosts(_ config: Config) -> [String] {
        if let configured = config.appServer.registerHost { return [configured] }
        guard let pubsubHost = config.appServer.pubsubHost else { return [] }
        return [pubsubHost] + config.server.domains.filter { $0 != pubsubHost }
    }

    /// The host an iq is for, when the iq is the app server's: anything to
    /// the pubsub host; commands and command discovery on a register host
    /// (which may be the server's own domain, so enable/disable there stay
    /// the server side's). nil when it is not the app server's.
    func servedHost(_ iq: Element) -> String? {
        guard let toText = iq[attribute: "to"] else { return nil }
        // Every publish names the pubsub host, which the configuration
        // holds normalized: the same text needs no JID parse to match.
        if toText == pubsubHost { return pubsubHost }
        guard let to = try? JID(toText), to.local == nil, to.resource == nil else { return nil }
        if to.domain == pubsubHost { return pubsubHost }
        guard registerHosts.contains(to.domain), let payload = iq.elements.first else { return nil }
        switch payload.namespace {
        case NS.commands, NS.discoItems: return to.domain
        case NS.discoInfo: return payload[attribute: "node"] != nil || !config.server.domains.contains(to.domain) ? to.domain : nil
        default: return nil
        }
    }

    /// `to`: the iq's host, as `servedHost(_:)` read it.
    func handleIQ(_ iq: Element, to: String, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        let type = iq[attribute: "type"]
        guard let payload = iq.elements.first, iq.elements.count == 1 else {
            return step.refuse(iq, "modify", "bad-request", "an iq carries exactly one child element")
        }
        switch (payload.namespace, payload.name, type) {
        case (NS.discoInfo, "query", "get"): discoInfo(iq, payload, onPubsubHost: to == pubsubHost, &step)
        case (NS.discoItems, "query", "get"): discoItems(iq, payload, at: to, &step)
        case (NS.commands, "command", "set") where registerHosts.contains(to): try command(iq, payload, &step, store)
        case (NS.pubsub, "pubsub", "set") where to == pubsubHost:
            guard let from = iq[attribute: "from"] else { return step.refuse(iq, "modify", "bad-request", "a publish needs a 'from'") }
            switch try accept(payload, from: from, &step, store) {
            case .success: step.send(iqResult(to: iq))
            case .failure(let refusal): step.refuse(iq, refusal.type, refusal.condition, refusal.text)
            }
        default:
            step.refuse(iq, "cancel", "service-unavailable", "the push app server does not serve <\(payload.name) xmlns='\(payload.namespace)'/>")
        }
    }

    // MARK: discovery

    private func discoInfo(_ iq: Element, _ query: Element, onPubsubHost: Bool, _ step: inout Step) {
        var reply = Element("query", namespace: NS.discoInfo)
        if let node = query[attribute: "node"] {
            guard onPubsubHost == false, AdHocCommand(node: node, backends: backends) != nil else {
                return step.refuse(iq, "cancel", "item-not-found", "no such node")
            }
            reply[attribute: "node"] = node
            reply.append(Element("identity", namespace: NS.discoInfo, attributes: [("category", "automation"), ("type", "command-node"), ("name", node)]))
            reply.append(Element("feature", namespace: NS.discoInfo, attributes: [("var", NS.commands)]))
            reply.append(Element("feature", namespace: NS.discoInfo, attributes: [("var", NS.dataForms)]))
        } else if onPubsubHost {
            // XEP-0357 §4: an app server's pubsub service is pubsub/push.
            reply.append(Element("identity", namespace: NS.discoInfo, attributes: [("category", "pubsub"), ("type", "push")]))
            reply.append(Element("feature", namespace: NS.discoInfo, attributes: [("var", NS.push)]))
            reply.append(Element("feature", namespace: NS.discoInfo, attributes: [("var", NS.pubsub)]))
            // Tigase's clients choose a push service by its providers.
            for provider in TigaseProvider.served(by: backends) {
                reply.append(Element("feature", namespace: NS.discoInfo, attributes: [("var", provider)]))
            }
        } else {
            reply.append(Element("identity", namespace: NS.discoInfo, attributes: [("category", "automation"), ("type", "command-list")]))
            reply.append(Element("feature", namespace: NS.discoInfo, attributes: [("var", NS.commands)]))
        }
        reply.children.insert(.element(Element("feature", namespace: NS.discoInfo, attributes: [("var", NS.discoInfo)])), at: 0)
        step.send(iqResult(to: iq, payload: reply))
    }

    /// The command list, with each register command naming the apps it
    /// serves: how a client finds out which app names to register for.
    private func discoItems(_ iq: Element, _ query: Element, at host: String, _ step: inout Step) {
        guard query[attribute: "node"] == NS.commands, registerHosts.contains(host) else {
            var empty = Element("query", namespace: NS.discoItems)
            if let node = query[attribute: "node"] { empty[attribute: "node"] = node }
            return step.send(iqResult(to: iq, payload: empty))
        }
        var reply = Element("query", namespace: NS.discoItems, attributes: [("node", NS.commands)])
        for command in AdHocCommand.all(backends: backends) {
            reply.append(Element("item", namespace: NS.discoItems,
                                 attributes: [("jid", host), ("node", command.node), ("name", command.name(backends: backends))]))
        }
        step.send(iqResult(to: iq, payload: reply))
    }

    func notePendingJob(node: String, seq: UInt64?) {
        if let seq { pendingJobs[node] = seq } else { pendingJobs[node] = nil }
    }

    func rebuildPendingJobs(_ store: any StoreReader) throws(StoreError) {
        var jobs: [String: UInt64] = [:]
        try store.forEachOutbox { seq, job in
            jobs[job.node] = max(jobs[job.node] ?? 0, seq)
            return true
        }
        pendingJobs = jobs
    }

    func backend(vendor: BackendConfig.Vendor, app: String) -> BackendConfig? {
        backends.first { $0.vendor == vendor && $0.app == app }
    }
}

/// A refusal as an XMPP error: type, condition and text.
struct Refusal: Error {
    var type: String
    var condition: String
    var text: String
    /// The error type and condition an enable naming the node gets, where
    /// they differ from the publish's.
    var atEnable: (type: String, condition: String)? = nil
}

/// What a publish is for once the checks that do not need its item passed.
struct PublishTarget {
    var registration: RegRecord
    /// A token node's first publish: the registration is not stored yet.
    var isNew: Bool
}
