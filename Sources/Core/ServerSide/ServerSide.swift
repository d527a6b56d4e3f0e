import NudgeXMPP
import NudgeStore

/// The server side of XEP-0357 as a sans-IO state machine: it takes one
/// input, the time, and a store transaction, and returns what should
/// happen. It owns no thread, socket or clock. Everything it decides
/// durably goes into the transaction; everything else is an action that
/// the runtime applies after the commit.
///
/// Not thread-safe: the runtime calls it from its one writer thread.
public final class ServerSide {
    public let config: Config
    private var random: any RandomNumberGenerator
    /// The store's largest key. JIDs may be longer (3 × 1023 bytes), so
    /// keys are checked before a write instead of failing a whole group commit.
    static let maxKeyBytes = StoreLimits.maxKeyBytes
    /// Sessions recorded before this time belong to a previous process.
    private var bootTime: Millis = 0

    /// The app server half, when `appserver.pubsub_host` is configured.
    let appServer: AppServer?

    public init(config: Config, random: any RandomNumberGenerator = SystemRandomNumberGenerator()) {
        self.config = config
        self.random = random
        self.appServer = AppServer(config: config)
    }

    /// Handles one input inside the caller's write transaction.
    ///
    /// Throws only store failures that must abort the whole transaction
    /// (disk full, I/O). A corrupt record is reported for this input alone:
    /// the input runs in a nested transaction, so its earlier writes are
    /// undone with it and the rest of the group commit is untouched.
    public func handle(_ input: CoreInput, now: Millis, store: any StoreWriter) throws(StoreError) -> [CoreAction] {
        var step = Step(now: now)
        do {
            try store.nested { txn throws(StoreError) in try apply(input, &step, txn) }
        } catch where error.kind == .corrupt {
            step = Step(now: now)
            step.log(.error, "store: \(error.message)")
            if case .iq(let iq) = input {
                step.send(StanzaError.reply(to: iq, type: "wait", condition: "internal-server-error",
                                            text: "stored push state could not be read"))
            }
        }
        return step.actions
    }

    private func apply(_ input: CoreInput, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        switch input {
        case .iq(let iq): try handleIQ(iq, &step, store)
        case .publishAnswer(let answer, let flight): try handleAnswer(answer, flight, &step, store)
        case .sessionOnline(let jid), .sessionResumed(let jid): try sessionActive(jid, &step, store)
        case .sessionPending(let jid): try sessionPending(jid, &step, store)
        case .sessionClosed(let jid):
            if jid.description.utf8.count <= Self.maxKeyBytes { try store.deleteSession(jid.description) }
        case .held(let target, let held): try handleHeld(target, held, &step, store)
        case .timer(let key): try handleTimer(key, &step, store)
        case .startup(let boot): try startup(boot, &step, store)
        case .adminRemove(let user, let service, let node): try adminRemove(user, service, node, &step, store)
        case .adminTestPush(let user): try adminTestPush(user, &step, store)
        case .deliveryFinished(let seq, let revision, let outcome):
            try appServer?.finished(seq, revision: revision, outcome, &step, store)
        case .adminUnregister(let node):
            let existed = try store.registration(node: node) != nil
            try appServer?.removeRegistration(node, reason: "removed by an administrator", &step, store)
            step.actions.append(.adminResult(["removed": .number(existed ? 1 : 0)]))
        case .userRemoved(let user): try userRemoved(user.bare, &step, store)
        case .push2Notification(let message): try appServer?.acceptPush2(message, &step, store)
        }
    }

    /// Committed actions that concern the core's own derived state.
    public func committed(_ action: CoreAction) {
        if case .pendingJob(let node, let seq) = action { appServer?.notePendingJob(node: node, seq: seq) }
    }

    /// The reply an input gets when its transaction could not be committed
    /// (disk full): nothing was stored, so nothing may be acknowledged.
    public func failureReply(for input: CoreInput, _ error: StoreError) -> Element? {
        guard case .iq(let iq) = input, iq[attribute: "type"] == "get" || iq[attribute: "type"] == "set" else { return nil }
        return StanzaError.reply(to: iq, type: "wait", condition: error.kind == .full ? "resource-constraint" : "internal-server-error",
                                 text: error.kind == .full ? "the server's push storage is full" : "the server's push storage failed")
    }

    // MARK: iq

    private func handleIQ(_ iq: Element, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        let type = iq[attribute: "type"]
        guard type == "get" || type == "set" else { return }
        if let appServer, let host = appServer.servedHost(iq) { return try appServer.handleIQ(iq, to: host, &step, store) }
        let payloads = iq.elements
        guard payloads.count == 1, let payload = payloads.first else {
            return step.refuse(iq, "modify", "bad-request", "an iq of type \(type ?? "") carries exactly one child element")
        }
        switch (payload.namespace, payload.name) {
        case (NS.push, "enable"): try enable(iq, payload, &step, store)
        case (NS.push, "disable"): try disable(iq, payload, &step, store)
        case (NS.discoInfo, "query") where type == "get": try discoInfo(iq, payload, &step, store)
        case (NS.push2, "enable"): try push2Enable(iq, payload, &step, store)
        case (NS.push2, "disable"): try push2Disable(iq, &step, store)
        case (NS.push, let name), (NS.push2, let name):
            step.refuse(iq, "cancel", "feature-not-implemented", "<\(name)/> is not an operation of \(payload.namespace)")
        default:
            step.refuse(iq, "cancel", "service-unavailable", "no service for <\(payload.name) xmlns='\(payload.namespace)'/> here")
        }
    }

    /// Only a local user's own session may change that user's push state:
    /// `from` is a full JID on one of our domains and `to` is absent, the
    /// user's bare JID, or the user's domain.
    private func owner(_ iq: Element, _ step: inout Step) -> JID? {
        guard let fromText = iq[attribute: "from"], let from = try? JID(fromText) else {
            step.refuse(iq, "modify", "bad-request", "the stanza has no valid 'from'")
            return nil
        }
        guard from.local != nil, from.resource != nil, config.server.domains.contains(from.domain) else {
            step.refuse(iq, "auth", "forbidden", "push settings can be changed only by a session of a local account")
            return nil
        }
        if let toText = iq[attribute: "to"] {
            guard let to = try? JID(toText) else {
                step.refuse(iq, "modify", "jid-malformed", "'to' is not a valid JID")
                return nil
            }
            let ownAccount = to == from.bare
            let ownServer = to.local == nil && to.resource == nil && to.domain == from.domain
            guard ownAccount || ownServer else {
                step.refuse(iq, "auth", "forbidden", "push settings of another account cannot be changed")
                return nil
            }
        }
        return from
    }

    private func enable(_ iq: Element, _ enable: Element, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        guard iq[attribute: "type"] == "set" else { return step.refuse(iq, "modify", "bad-request", "enable is an iq of type set") }
        guard let from = owner(iq, &step) else { return }
        guard let request = EnableRequest(enable, iq: iq, step: &step) else { return }
        let user = from.bare.description
        let key = EnableKey(user: user, service: request.service.description, node: request.node)
        guard key.key.count <= Self.maxKeyBytes else {
            return step.refuse(iq, "modify", "bad-request", "jid and node are too long together (at most \(Self.maxKeyBytes) bytes with the account's JID)")
        }
        // Before anything is written: a refused re-enable leaves the
        // previous enablement as it was.
        guard try acceptedByOwnAppServer(request, user: user, iq, &step, store) else { return }
        let existing = try store.enables(ofUser: user)
        let others = existing.filter { $0.key != key }

        var accepted: ContentOptions?
        if let form = request.optionsForm {
            let current = try store.options(ofUser: user).map(ContentOptions.init) ?? ContentOptions(defaults: config.server)
            var next = others.isEmpty ? ContentOptions(defaults: config.server) : current
            for (i, name) in ContentOptions.fields.enumerated() {
                let requested: Bool?
                do { requested = try form.bool(name) } catch {
                    return step.refuse(iq, "modify", "bad-request", error.message)
                }
                guard let requested else { continue }
                // The seed's privilege-escalation rule: while other
                // resources have push enabled, a new enable may only turn
                // options off; a fresh set needs every resource disabled.
                next.values[i] = others.isEmpty ? requested : (current.values[i] && requested)
            }
            try store.putOptions(user: user, next.record)
            accepted = next
        }

        try prune(others, user: user, &step, store)

        let record = EnableRecord(resource: from.resource ?? "", publishOptions: request.publishOptions,
                                  enabledAt: step.now, extensions: request.extensions)
        try store.putEnable(key, record)
        step.actions.append(.indexAdd(key, record))
        var payload: Element?
        if let accepted {
            var reply = Element("enable", namespace: NS.push)
            reply.append(accepted.form.element)
            payload = reply
        }
        step.send(iqResult(to: iq, payload: payload))
        step.log(.info, "push: enabled for \(from) via \(key.service), node \(Redact.token(key.node))")
    }

    /// Makes room for one more enablement of `user` under
    /// `server.max_enablements_per_user`, the oldest of `others` going first.
    private func prune(_ others: [(key: EnableKey, record: EnableRecord)], user: String, _ step: inout Step,
                       _ store: any StoreWriter) throws(StoreError) {
        let limit = config.server.maxEnablementsPerUser
        guard others.count >= limit else { return }
        let oldest = others.sorted { $0.record.enabledAt < $1.record.enabledAt }.prefix(others.count - limit + 1)
        for victim in oldest {
            try remove(victim.key, &step, store)
            step.actions.append(.disabled(victim.key, reason: "pruned: more than \(limit) enablements (server.max_enablements_per_user)"))
            step.log(.info, "push: pruned oldest enablement of \(user) (\(victim.key.service), node \(Redact.token(victim.key.node)))")
        }
    }

    /// Push 2.0: one registration per client (its resource: hosts tell
    /// the engine no SASL2 client id), replaced by the client's next enable.
    private func push2Enable(_ iq: Element, _ enable: Element, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        guard iq[attribute: "type"] == "set" else { return step.refuse(iq, "modify", "bad-request", "enable is an iq of type set") }
        guard let from = owner(iq, &step), let resource = from.resource else { return }
        guard let registration = Push2EnableRequest.parse(enable, iq: iq, user: from.bare, step: &step) else { return }
        let user = from.bare.description
        let key = EnableKey.push2(user: user, client: resource)
        guard key.key.count <= Self.maxKeyBytes else {
            return step.refuse(iq, "modify", "bad-request", "the account's JID and resource are too long (at most \(Self.maxKeyBytes) bytes)")
        }
        try prune(try store.enables(ofUser: user).filter { $0.key != key }, user: user, &step, store)
        let record = EnableRecord(resource: resource, publishOptions: [], enabledAt: step.now, push2: registration)
        // A new registration starts a new summary: the old one may hold a
        // stanza cut for another client string.
        try store.deleteSummary(key)
        try store.putEnable(key, record)
        step.actions.append(.indexAdd(key, record))
        step.send(iqResult(to: iq))
        step.log(.info, "push: Push 2.0 enabled for \(from) via \(registration.service) (\(registration.matches.count) match rule(s))")
    }

    /// Push 2.0's `<disable/>`: the sending client's registration.
    private func push2Disable(_ iq: Element, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        guard iq[attribute: "type"] == "set" else { return step.refuse(iq, "modify", "bad-request", "disable is an iq of type set") }
        guard let from = owner(iq, &step), let resource = from.resource else { return }
        let key = EnableKey.push2(user: from.bare.description, client: resource)
        let existed = key.key.count <= Self.maxKeyBytes ? try store.enable(key) != nil : false
        if existed { try remove(key, &step, store) }
        step.send(iqResult(to: iq))
        step.log(.info, "push: Push 2.0 \(existed ? "disabled" : "disable without a registration") for \(from)")
    }

    /// An enable naming this engine's own pubsub host is checked exactly
    /// as its publishes will be (AppServer.target), so that a client is
    /// told now that push cannot work, instead of believing it on until the
    /// first push disables it. A remote app server cannot be asked.
    private func acceptedByOwnAppServer(_ request: EnableRequest, user: String, _ iq: Element, _ step: inout Step,
                                        _ store: any StoreWriter) throws(StoreError) -> Bool {
        guard let appServer = ownAppServer(request.service.description) else { return true }
        let options = PublishBuilder.publishOptionsForm(request.publishOptions)
        guard case .failure(let refusal) = try appServer.target(node: request.node, options: options, from: user, now: step.now, store) else {
            return true
        }
        let (type, condition) = refusal.atEnable ?? (refusal.type, refusal.condition)
        step.refuse(iq, type, condition, "\(appServer.pubsubHost) would refuse every push to this node: \(refusal.text)")
        return false
    }

    /// The app server half, when `service` is its pubsub host: publishes
    /// to it need no XMPP round trip.
    private func ownAppServer(_ service: String) -> AppServer? {
        guard let appServer, service == appServer.pubsubHost else { return nil }
        return appServer
    }

    private func disable(_ iq: Element, _ disable: Element, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        guard iq[attribute: "type"] == "set" else { return step.refuse(iq, "modify", "bad-request", "disable is an iq of type set") }
        guard let from = owner(iq, &step) else { return }
        guard let jidText = disable[attribute: "jid"], !jidText.isEmpty else {
            return step.refuse(iq, "modify", "bad-request", "disable needs a 'jid' attribute")
        }
        let service: JID
        do { service = try JID(jidText) } catch {
            return step.refuse(iq, "modify", "jid-malformed", "jid: \(error.message)")
        }
        let node = disable[attribute: "node"]
        let user = from.bare.description
        var removed = 0
        for (key, _) in try store.enables(ofUser: user) where key.service == service.description && (node == nil || key.node == node) {
            try remove(key, &step, store)
            removed += 1
        }
        step.send(iqResult(to: iq))
        step.log(.info, "push: disabled \(removed) enablement(s) of \(user) at \(service)")
    }

    private func discoInfo(_ iq: Element, _ query: Element, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        guard let fromText = iq[attribute: "from"], let from = try? JID(fromText) else {
            return step.refuse(iq, "modify", "bad-request", "the stanza has no valid 'from'")
        }
        let account: JID
        if let toText = iq[attribute: "to"] {
            guard let to = try? JID(toText) else { return step.refuse(iq, "modify", "jid-malformed", "'to' is not a valid JID") }
            account = to
        } else {
            account = from.bare
        }
        guard account.isBare, account.local != nil, config.server.domains.contains(account.domain) else {
            return step.refuse(iq, "cancel", "service-unavailable", "disco#info is answered here for local accounts only")
        }
        guard query[attribute: "node"] == nil else {
            return step.refuse(iq, "cancel", "item-not-found", "no such disco node")
        }
        var reply = Element("query", namespace: NS.discoInfo)
        reply.append(Element("identity", namespace: NS.discoInfo, attributes: [("category", "account"), ("type", "registered")]))
        reply.append(Element("feature", namespace: NS.discoInfo, attributes: [("var", NS.discoInfo)]))
        for child in try AccountDisco.contribution(account: account, requester: from, store, defaults: config.server) {
            reply.append(child)
        }
        step.send(iqResult(to: iq, payload: reply))
    }

    // MARK: sessions

    /// Enablements that a session made (by its resource), or all of the
    /// user's for a bare JID.
    private func enablements(for target: JID, _ store: any StoreWriter) throws(StoreError) -> [(key: EnableKey, record: EnableRecord)] {
        let all = try store.enables(ofUser: target.bare.description)
        guard let resource = target.resource else { return all }
        return all.filter { $0.record.resource == resource }
    }

    /// Online or resumed: the user sees everything now, so the summary
    /// starts over and a scheduled follow-up no longer applies.
    private func sessionActive(_ jid: JID, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        guard jid.description.utf8.count <= Self.maxKeyBytes else { return }
        let mine = try enablements(for: jid, store)
        guard !mine.isEmpty else {
            try store.deleteSession(jid.description)
            return
        }
        try store.putSession(jid.description, SessionRecord(state: .online, since: step.now, wakeAt: nil))
        for (key, _) in mine where try store.summary(key) != nil {
            try store.deleteSummary(key)
        }
    }

    private func sessionPending(_ jid: JID, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        guard jid.description.utf8.count <= Self.maxKeyBytes else {
            step.log(.warn, "push: session JID longer than \(Self.maxKeyBytes) bytes; its wake pushes are not tracked")
            return
        }
        guard try !enablements(for: jid, store).isEmpty else {
            try store.deleteSession(jid.description)
            return
        }
        var wakeAt: Millis?
        if config.server.wakeBeforeTimeoutS > 0 {
            wakeAt = step.now + Millis(config.server.pendingTimeoutS - config.server.wakeBeforeTimeoutS) * 1000
            step.actions.append(.schedule(.wake(fullJID: jid.description), at: wakeAt!))
        }
        try store.putSession(jid.description, SessionRecord(state: .pending, since: step.now, wakeAt: wakeAt))
    }

    // MARK: held stanzas and coalescing

    private func handleHeld(_ target: JID, _ held: HeldStanza, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        let window = Millis(config.server.coalesceWindowS) * 1000
        for (key, record) in try enablements(for: target, store) {
            let reason: PushReason
            var fitted: String?
            if let registration = record.push2 {
                guard let admitted = try push2Admit(key, record, registration, held, target, &step, store) else { continue }
                (reason, fitted) = admitted
            } else {
                guard let r = record.extensions.admit(held) else { continue }
                reason = r
            }
            var s = try store.summary(key) ?? SummaryRecord.empty
            if record.push2 != nil { s.lastStanza = fitted }
            if s.lastPushAt == nil && s.messageCount == 0 && s.subscriptionCount == 0 {
                s.burst = UInt64(clamping: step.now)   // a new burst: its start names the collapse id
            }
            if reason == .subscription {
                s.subscriptionCount = s.subscriptionCount.addingReportingOverflow(1).overflow ? .max : s.subscriptionCount + 1
            } else if held.call?.ended != true {   // a call's end is no new message
                s.messageCount = s.messageCount.addingReportingOverflow(1).overflow ? .max : s.messageCount + 1
                s.lastBody = held.body
                s.lastEncrypted = reason == .encrypted
            }
            s.lastSender = held.sender ?? s.lastSender
            s.lastKind = held.kind
            s.lastCall = held.call

            let windowOver = s.lastPushAt.map { step.now - $0 >= window } ?? true
            if reason == .call || windowOver {
                // Calls ring at once whatever the window; anything else
                // pushes at once when nothing was pushed within the window.
                if reason != .call { s.followUpAt = nil }
                s.lastPushAt = step.now
                let stanzaAt = s.unpushedSince ?? step.now
                s.unpushedSince = nil
                try store.putSummary(key, s)
                try publish(key, record, s, reason, attempt: 0, stanzaAt: stanzaAt, &step, store)
            } else {
                // The follow-up that carries this stanza measures its
                // latency from the first stanza it carries.
                if s.unpushedSince == nil { s.unpushedSince = step.now }
                if s.followUpAt == nil {
                    let at = (s.lastPushAt ?? step.now) + window
                    s.followUpAt = at
                    step.actions.append(.schedule(.followUp(key), at: at))
                }
                try store.putSummary(key, s)
            }
        }
    }

    // MARK: timers

    private func handleTimer(_ timer: TimerKey, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        switch timer {
        case .followUp(let key):
            guard var s = try store.summary(key), let due = s.followUpAt, due <= step.now,
                  let record = try store.enable(key) else { return }
            s.followUpAt = nil
            s.lastPushAt = step.now
            let stanzaAt = s.unpushedSince ?? step.now
            s.unpushedSince = nil
            try store.putSummary(key, s)
            try publish(key, record, s, .followUp, attempt: 0, stanzaAt: stanzaAt, &step, store)

        case .wake(let full):
            guard var session = try store.session(full), session.state == .pending,
                  let due = session.wakeAt, due <= step.now, let jid = try? JID(full) else { return }
            session.wakeAt = nil
            try store.putSession(full, session)
            try wake(jid, .timeoutWake, &step, store)

        case .retry(let key, let reason, let attempt):
            guard let record = try store.enable(key) else { return }
            let s = try store.summary(key) ?? SummaryRecord.empty
            try publish(key, record, s, reason, attempt: attempt, &step, store)

        case .publishTimeout:
            return   // the runtime owns in-flight publishes and their timeouts

        case .restartWakes:
            try restartWakes(&step, store)

        case .deliver(let seq):
            try appServer?.deliver(seq, &step, store)

        case .push2Quiet(let key, let sentAt):
            try push2Quiet(key, sentAt: sentAt, &step, store)
        }
    }

    private func wake(_ jid: JID, _ reason: PushReason, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        for (key, record) in try enablements(for: jid, store) {
            let s = try store.summary(key) ?? SummaryRecord.empty
            try publish(key, record, s, reason, attempt: 0, &step, store)
        }
    }

    // MARK: restart

    /// Sessions recorded by the previous process: online ones are simply
    /// gone; pending ones get a restart wake each, at a bounded rate.
    private func startup(_ boot: Millis, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        bootTime = boot
        try appServer?.rebuildPendingJobs(store)
        var stale: [(String, SessionRecord)] = []
        try store.forEachSession { jid, record in
            stale.append((jid, record))
            return true
        }
        var pending = 0
        for (jid, record) in stale {
            if record.state == .pending && config.server.wakeOnStart {
                pending += 1
            } else {
                try store.deleteSession(jid)
            }
        }
        if pending > 0 {
            step.log(.info, "push: \(pending) session(s) were pending when the server stopped; sending restart wakes")
            step.actions.append(.schedule(.restartWakes, at: step.now))
        }
    }

    private func restartWakes(_ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        var batch: [String] = []
        var more = false
        let rate = config.server.restartWakeRate
        let boot = bootTime
        try store.forEachSession { jid, record in
            guard record.state == .pending, record.since < boot else { return true }
            if batch.count == rate { more = true; return false }
            batch.append(jid)
            return true
        }
        for full in batch {
            try store.deleteSession(full)
            if let jid = try? JID(full) { try wake(jid, .restartWake, &step, store) }
        }
        if more { step.actions.append(.schedule(.restartWakes, at: step.now + 1000)) }
    }

    // MARK: publishing

    /// `stanzaAt`: when the stanza this push is for was held; nil for a
    /// push no stanza caused (wakes, test pushes), measured from now.
    private func publish(_ key: EnableKey, _ record: EnableRecord, _ s: SummaryRecord, _ reason: PushReason,
                         attempt: Int, stanzaAt: Millis? = nil, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        if let registration = record.push2 {
            return try push2Publish(key, registration, s, reason, attempt: attempt, &step, store)
        }
        let chosen = try store.options(ofUser: key.user).map(ContentOptions.init)
        let options = chosen ?? ContentOptions(defaults: config.server)
        let notification: Element
        do {
            notification = try PublishBuilder.notification(s, options: options, chosen: chosen, reason: reason,
                                                           extensions: record.extensions)
        } catch {
            // Never the plain summary instead: the client asked for nothing
            // readable to leave the server.
            step.log(.error, "push: \(reason.rawValue) for \(key.user) not sent: \(error.message)")
            return
        }
        let pubsub = PublishBuilder.pubsub(node: key.node, itemID: "n\(s.burst)", notification: notification,
                                           publishOptions: record.publishOptions)
        if let appServer = ownAppServer(key.service) {
            // Our own app server: no XMPP round trip, the same checks as a
            // remote server's publish, in the same transaction.
            switch try appServer.accept(pubsub, from: key.user, stanzaAt: stanzaAt, &step, store) {
            case .success(let seq):
                step.log(.debug, "push: \(reason.rawValue) for \(key.user) queued for delivery (outbox \(seq))")
            case .failure(let refusal):
                step.actions.append(.publishFailed(kind: refusal.type))
                try remove(key, &step, store)
                let why = "this server's app server answered \(refusal.condition) (\(refusal.text))"
                step.actions.append(.disabled(key, reason: why))
                step.log(.warn, "push: disabled for \(key.user), node \(Redact.token(key.node)): \(why)")
                return
            }
            step.actions.append(.pushed(reason))
        } else {
            // Actions are applied in order, and the host may route the iq
            // and get its answer back before the next one is applied: the
            // answer is awaited (and the push counted) before it is sent,
            // or a quick app server's answer would find nothing waiting.
            let id = newID()
            step.actions.append(.awaitAnswer(id: id, PublishInFlight(key: key, reason: reason, attempt: attempt, sentAt: step.now)))
            step.actions.append(.schedule(.publishTimeout(id: id), at: step.now + Millis(config.server.publishTimeoutS) * 1000))
            step.actions.append(.pushed(reason))
            step.send(PublishBuilder.iq(id: id, from: key.user, to: key.service, payload: pubsub))
            step.log(.debug, "push: \(reason.rawValue) for \(key.user) published to \(key.service)")
        }
    }

    private func handleAnswer(_ answer: Element, _ flight: PublishInFlight, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        if answer[attribute: "type"] == "result" { return }
        let error = answer.child("error")
        let type = error?[attribute: "type"] ?? "cancel"
        let condition = error?.elements.first { $0.namespace == NS.stanzas && $0.name != "text" }?.name ?? "undefined-condition"
        let key = flight.key
        let retriesLeft = flight.attempt < config.server.publishRetries
        let unreachable = type != "wait" && Self.routeConditions.contains(condition)
        if type == "wait" || (unreachable && retriesLeft), key.isPush2 {
            guard try push2StillFailing(key, condition, &step, store) else { return }
        }
        if type == "wait" || (unreachable && retriesLeft) {
            step.actions.append(.publishFailed(kind: unreachable ? "route" : "wait"))
            guard retriesLeft else {
                step.log(.warn, "push: \(key.service) kept answering \(condition) (wait) for \(key.user); gave up after \(flight.attempt + 1) attempts")
                return
            }
            let delay = backoff(attempt: flight.attempt)
            step.actions.append(.schedule(.retry(key, reason: flight.reason, attempt: flight.attempt + 1), at: step.now + delay))
            step.log(.info, "push: \(key.service) \(unreachable ? "could not be reached" : "asked to wait") (\(condition)); retrying for \(key.user) in \(delay / 1000) s")
            return
        }
        // Any other error, or an app server still unreachable after every
        // retry: it will not take pushes for this node; keep publishing to
        // it and we spam a server that said no. (Clients enable again when
        // they next connect.)
        step.actions.append(.publishFailed(kind: unreachable ? "route" : type))
        guard try store.enable(key) != nil else { return }
        try remove(key, &step, store)
        let tries = unreachable ? " after \(flight.attempt + 1) attempts" : ""
        let reason = "app server \(key.service) answered \(condition) (\(type))\(tries)"
        step.actions.append(.disabled(key, reason: reason))
        step.log(.warn, "push: disabled for \(key.user), node \(Redact.token(key.node)): \(reason)")
    }

    /// Errors about the way to the app server rather than from it: the
    /// server hosting it is unreachable, or (service-unavailable) an
    /// external component that is not connected yet, as after a restart,
    /// when restart wakes go out before app server components reconnect.
    /// They are retried like `wait`, and disable push only once every retry
    /// (publish_retries, 2.5 to 3 minutes by default) failed the same way:
    /// disabling at once would switch push off for every user of an app
    /// server that was away for a moment, and never disabling would keep
    /// publishing to a JID that is no app server at all. An app server that
    /// refuses a node says item-not-found or not-authorized.
    static let routeConditions: Set<String> = ["remote-server-not-found", "remote-server-timeout", "service-unavailable"]

    /// `RetrySchedule.publish`, stretched by a number from the core's
    /// random source: users refused together are many, with one attempt count.
    private func backoff(attempt: Int) -> Millis {
        RetrySchedule.publish.delay(attempt: attempt, seed: random.next())
    }

    func newID() -> String {
        let hex = String(random.next() as UInt64, radix: 16)
        return EngineInfo.idPrefix + String(repeating: "0", count: 16 - hex.count) + hex
    }

    func remove(_ key: EnableKey, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        try store.deleteEnable(key)
        try store.deleteSummary(key)
        step.actions.append(.indexRemove(key))
    }

    // MARK: admin

    private func adminRemove(_ user: JID, _ service: String, _ node: String, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        let key = EnableKey(user: user.bare.description, service: service, node: node)
        var removed = 0
        if try store.enable(key) != nil {
            try remove(key, &step, store)
            step.actions.append(.disabled(key, reason: "removed by an administrator"))
            step.log(.info, "push: administrator removed \(user)'s enablement at \(service), node \(Redact.token(node))")
            removed = 1
        }
        step.actions.append(.adminResult(["removed": .number(Double(removed))]))
    }

    /// A deleted account leaves nothing behind: its enablements (each
    /// reported disabled), options, summaries, sessions, and the devices
    /// it registered at this engine's app server.
    private func userRemoved(_ user: JID, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        let name = user.description
        guard name.utf8.count <= Self.maxKeyBytes else { return }
        let enablements = try store.enables(ofUser: name)
        for (key, _) in enablements {
            try remove(key, &step, store)
            step.actions.append(.disabled(key, reason: "the account was deleted"))
        }
        try store.deleteOptions(user: name)
        for session in try store.sessions(ofUser: name) { try store.deleteSession(session) }
        let devices = try store.registrations(owner: name)
        for (node, _) in devices {
            try appServer?.removeRegistration(node, reason: "the account was deleted", &step, store)
        }
        guard !enablements.isEmpty || !devices.isEmpty else { return }
        step.log(.info, "push: deleted account \(name): removed \(enablements.count) enablement(s) and \(devices.count) registration(s)")
    }

    private func adminTestPush(_ user: JID, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        let all = try store.enables(ofUser: user.bare.description)
        for (key, record) in all {
            let s = try store.summary(key) ?? SummaryRecord.empty
            try publish(key, record, s, .test, attempt: 0, &step, store)
        }
        step.actions.append(.adminResult(["queued": .number(Double(all.count))]))
    }
}

/// Collects the actions of one input.
struct Step {
    let now: Millis
    var actions: [CoreAction] = []

    mutating func send(_ stanza: Element) { actions.append(.send(stanza)) }
    mutating func log(_ level: LogLevel, _ text: String) { actions.append(.log(level, text)) }

    /// An XMPP error reply, logged once so an operator can see why a
    /// client's request failed.
    mutating func refuse(_ iq: Element, _ type: String, _ condition: String, _ text: String) {
        send(StanzaError.reply(to: iq, type: type, condition: condition, text: text))
        log(.info, "refused iq from \(iq[attribute: "from"] ?? "?"): \(condition): \(text)")
    }
}
