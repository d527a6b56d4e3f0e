import NudgeXMPP
import NudgeStore
import NudgeCrypto

extension AppServer {
    /// A publish to a node of ours, from a remote server's iq or straight
    /// from this engine's server side. On success the delivery job is in
    /// the transaction, so the caller's acknowledgement (the iq result)
    /// leaves only after it is committed.
    ///
    /// `stanzaAt`: when the stanza behind the push reached the engine, if
    /// the caller knows it (its own server side does); otherwise now, the
    /// publish's acceptance, where this engine's knowledge starts.
    func accept(_ pubsub: Element, from: String, stanzaAt: Millis? = nil,
                _ step: inout Step, _ store: any StoreWriter) throws(StoreError) -> Result<UInt64, Refusal> {
        guard pubsub.namespace == NS.pubsub, let publish = pubsub.child("publish", namespace: NS.pubsub),
              let node = publish[attribute: "node"], !node.isEmpty else {
            return .failure(Refusal(type: "modify", condition: "bad-request", text: "expected <publish node='…'/>"))
        }
        var options: DataForm?
        if let x = pubsub.child("publish-options", namespace: NS.pubsub)?.child("x", namespace: NS.dataForms) {
            do { options = try DataForm(x) } catch {
                return .failure(Refusal(type: "modify", condition: "bad-request", text: "malformed publish-options: \(error.message)"))
            }
        }
        let target: PublishTarget
        switch try self.target(node: node, options: options, from: from, now: step.now, store) {
        case .success(let t): target = t
        case .failure(let refusal): return .failure(refusal)
        }
        guard let notification = publish.child("item", namespace: NS.pubsub)?.child("notification", namespace: NS.push) else {
            return .failure(Refusal(type: "modify", condition: "bad-request", text: "the item must carry <notification xmlns='urn:xmpp:push:0'/>"))
        }
        // The summary form is read here, once: the job keeps what it says.
        var form: DataForm?
        if let x = notification.child("x", namespace: NS.dataForms) {
            do { form = try DataForm(x) } catch {
                return .failure(Refusal(type: "modify", condition: "bad-request", text: "malformed summary form: \(error.message)"))
            }
        }
        if target.isNew {
            let reg = target.registration
            try store.putRegistration(node: node, reg)
            let vendor = BackendConfig.Vendor(rawValue: reg.vendor)?.displayName ?? reg.vendor
            step.log(.info, "push: \(reg.owner) publishes to token node \(Redact.token(node)) for \(vendor) app \(reg.app)")
        }
        let summary = PushSummary(notification: notification, form: form)
        return try enqueue(node: node, summary: summary, priority: Self.priority(of: notification, summary),
                           stanzaAt: stanzaAt, &step, store)
    }

    /// Puts a notification for `node` in the outbox: in place of the
    /// device's undelivered one, if any, else as a new job due now.
    func enqueue(node: String, summary: PushSummary, priority: Priority, stanzaAt: Millis?,
                 _ step: inout Step, _ store: any StoreWriter) throws(StoreError) -> Result<UInt64, Refusal> {
        // Per-device coalescing, as oshiya did: while a push for this
        // device waits, a newer summary replaces it instead of queueing a
        // second one. The revision tells a delivery of the old payload
        // from one of the new. Its stanzaAt stays: the job's first
        // stanza is still not pushed.
        if let seq = pendingJobs[node], var job = try store.outbox(seq), job.node == node {
            job.payload = []
            job.summary = summary
            job.priority = max(job.priority, priority.rawValue)
            job.revision &+= 1
            try store.putOutbox(seq, job)
            return .success(seq)
        }
        let seq = try store.appendOutbox(OutboxRecord(
            service: pubsubHost, node: node, payload: [], reason: "publish",
            priority: priority.rawValue, attempts: 0, notBefore: step.now, createdAt: step.now,
            stanzaAt: min(stanzaAt ?? step.now, step.now), summary: summary))
        step.actions.append(.schedule(.deliver(seq: seq), at: step.now))
        step.actions.append(.pendingJob(node: node, seq: seq))
        return .success(seq)
    }

    /// Every check a publish to `node` with these publish-options makes
    /// before it looks at the item: the node is registered (or, in fpush's
    /// dialect, is a device token of a served `pushModule`), the secret
    /// matches, and the node's app is still served. It only reads, so the
    /// server side runs the very same checks on an enable naming this
    /// pubsub host: an enable that cannot work is refused when it is made,
    /// not disabled at its first push. Callers log the refusal (once).
    func target(node: String, options: DataForm?, from: String, now: Millis,
                _ store: any StoreReader) throws(StoreError) -> Result<PublishTarget, Refusal> {
        // The same answer for a missing node and a wrong secret would hide
        // which nodes exist, but XEP-0357 app servers are expected to say
        // item-not-found so that servers disable dead enablements.
        let target: PublishTarget
        if let registered = try store.registration(node: node) {
            target = PublishTarget(registration: registered, isNew: false)
        } else {
            switch tokenNode(node, options, from: from, now: now) {
            case .success(let reg): target = PublishTarget(registration: reg, isNew: true)
            case .failure(let refusal): return .failure(refusal)
            }
        }
        let reg = target.registration
        // A token node (fpush's dialect) has no secret to check, and
        // Tigase's registrations have their node for a secret.
        let needsNoSecret = reg.secretDigest.isEmpty
            && (config.appServer.tokenNodes || reg.extra(TigaseProvider.extraKey) != nil)
        guard needsNoSecret || options?.value("secret").map({ secretMatches($0, reg) }) == true else {
            return .failure(Refusal(type: "auth", condition: "not-authorized", text: "wrong or missing secret"))
        }
        guard let vendor = BackendConfig.Vendor(rawValue: reg.vendor), backend(vendor: vendor, app: reg.app) != nil else {
            // The operator removed the app's backend: this node is dead.
            return .failure(Refusal(type: "cancel", condition: "item-not-found", text: "the app of this node is no longer served"))
        }
        return .success(target)
    }

    private func removeJob(_ seq: UInt64, _ job: OutboxRecord, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        try store.deleteOutbox(seq)
        step.actions.append(.pendingJob(node: job.node, seq: nil))
    }

    /// Monal/fpush's dialect: the node is the device token and the
    /// `pushModule` publish-option names the app. The registration that
    /// the first accepted publish stores, so that token-gone answers and
    /// coalescing work the same.
    func tokenNode(_ node: String, _ options: DataForm?, from: String, now: Millis) -> Result<RegRecord, Refusal> {
        guard config.appServer.tokenNodes else {
            return .failure(Refusal(type: "cancel", condition: "item-not-found", text: "no such node"))
        }
        guard (options?.fields.count ?? 0) <= 6 else {
            return .failure(Refusal(type: "modify", condition: "bad-request", text: "too many publish-options"))
        }
        let module = options?.value("pushModule") ?? "default"
        guard let backend = backends.first(where: { $0.app == module })
                ?? (module == "default" ? BackendConfig.defaultBackend(in: backends) : nil) else {
            // A publisher is told the node is dead, as for any node that
            // cannot be pushed to; a client enabling it did nothing wrong
            // with the node, it named an app this server does not serve.
            let served = Set(backends.map(\.app)).sorted().joined(separator: ", ")
            return .failure(Refusal(type: "cancel", condition: "item-not-found",
                                    text: "no push module '\(module)' is served here (served: \(served.isEmpty ? "none" : served))",
                                    atEnable: (type: "modify", condition: "not-acceptable")))
        }
        var token = node
        if backend.vendor == .apns {
            guard let hex = RegistrationRequest.apnsHex(node) else {
                return .failure(Refusal(type: "modify", condition: "bad-request", text: "the node is not an APNs device token"))
            }
            token = hex
        }
        guard token.utf8.count <= RegistrationRequest.maxTokenBytes,
              !token.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7f }) else {
            return .failure(Refusal(type: "modify", condition: "bad-request", text: "the node is not a device token"))
        }
        let owner = (try? JID(from))?.bare.description ?? from
        return .success(RegRecord(vendor: backend.vendor.rawValue, app: backend.app, token: token, extra: [], secretDigest: [],
                                  owner: owner, deviceID: node, deviceName: nil, createdAt: now, updatedAt: now))
    }

    private func secretMatches(_ secret: String, _ reg: RegRecord) -> Bool {
        let digest = SHA256.hash(Array(secret.utf8))
        // Both comparisons always run: timing says nothing about which matched.
        let current = constantTimeEquals(digest, reg.secretDigest)
        let previous = !reg.previousSecretDigest.isEmpty && constantTimeEquals(digest, reg.previousSecretDigest)
        return current || previous
    }

    /// `summary`: what the notification says (`PushSummary(notification:form:)`).
    static func priority(of notification: Element, _ summary: PushSummary) -> Priority {
        // Tigase's server side marks what matters this way: an encrypted
        // push has no summary form to say it.
        if notification.child("priority", namespace: NS.tigasePushPriority)?.text == "high"
            || notification.child("encrypted", namespace: NS.tigasePushEncrypt)?[attribute: "type"] == "voip" {
            return .high
        }
        switch summary.lastMessagePriority {
        case "high": return .high
        case "low": return .low
        default: return .normal
        }
    }

    // MARK: delivery

    /// A job's time has come: hand it to the delivery layer, or drop it if
    /// it went stale or its registration is gone.
    func deliver(_ seq: UInt64, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        guard let job = try store.outbox(seq) else { return }
        guard job.notBefore <= step.now else { return }   // rescheduled since
        // Engines sharing the store: the one that claims the job sends it,
        // the others drop their timer (the claim conflicts in the store
        // if two try at once).
        guard try store.claimOutbox(seq) else { return }
        if step.now - job.createdAt > Millis(config.appServer.maxAgeS) * 1000 {
            try removeJob(seq, job, &step, store)
            step.actions.append(.publishFailed(kind: "stale"))
            step.log(.info, "push: dropped a notification for node \(Redact.token(job.node)) as stale after \(config.appServer.maxAgeS) s (appserver.max_age_s)")
            return
        }
        // A job written before summaries were stored (format 2) holds the
        // notification's XML instead.
        guard let reg = try store.registration(node: job.node),
              let summary = job.summary ?? (try? XMLParser.parse(job.payload)).map({ PushSummary(notification: $0) }) else {
            try removeJob(seq, job, &step, store)
            return
        }
        step.actions.append(.dispatch(DeliveryJob(seq: seq, node: job.node, registration: reg, summary: summary,
                                                  priority: Priority(rawValue: job.priority) ?? .normal,
                                                  attempt: Int(job.attempts), createdAt: job.createdAt, stanzaAt: job.stanzaAt,
                                                  revision: job.revision)))
    }

    /// The vendor answered (or the transport failed): the job is done,
    /// retried later, or its registration removed.
    func finished(_ seq: UInt64, revision: UInt32, _ outcome: DeliveryOutcome, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        guard var job = try store.outbox(seq) else { return }
        let superseded = job.revision != revision
        switch outcome {
        case .delivered:
            guard !superseded else {
                // A newer summary arrived while the older one was on its
                // way: it goes out too, now.
                job.notBefore = step.now
                try store.putOutbox(seq, job)
                step.actions.append(.schedule(.deliver(seq: seq), at: step.now))
                step.actions.append(.delivered(job.priority))
                return
            }
            try removeJob(seq, job, &step, store)
            step.actions.append(.delivered(job.priority))
        case .retry(let afterMs, let reason):
            job.attempts += 1
            guard Int(job.attempts) < config.appServer.maxAttempts else {
                try removeJob(seq, job, &step, store)
                step.actions.append(.publishFailed(kind: "gave_up"))
                step.log(.warn, "push: gave up on a notification for node \(Redact.token(job.node)) after \(job.attempts) attempts: \(reason)")
                return
            }
            let delay = max(afterMs ?? 0, RetrySchedule.delivery.delay(attempt: Int(job.attempts), seed: seq))
            job.notBefore = step.now + delay
            try store.putOutbox(seq, job)
            step.actions.append(.schedule(.deliver(seq: seq), at: job.notBefore))
            step.log(.info, "push: delivery for node \(Redact.token(job.node)) will be retried in \(delay / 1000) s: \(reason)")
        case .tokenGone(let vendorTimestamp, let reason):
            try removeJob(seq, job, &step, store)
            guard let reg = try store.registration(node: job.node) else { return }
            // APNs says when it learned the token was gone; a device that
            // registered a new token since must not lose it.
            if let at = vendorTimestamp, reg.updatedAt > at {
                step.log(.info, "push: \(reason) for node \(Redact.token(job.node)), but it was re-registered since; kept")
                return
            }
            try removeRegistration(job.node, reason: "the vendor says the device token is gone (\(reason))", &step, store)
        case .rejected(let reason):
            try removeJob(seq, job, &step, store)
            step.actions.append(.publishFailed(kind: "rejected"))
            step.log(.warn, "push: the vendor refused a notification for node \(Redact.token(job.node)): \(reason)")
        case .configError(let reason):
            try removeJob(seq, job, &step, store)
            step.actions.append(.publishFailed(kind: "config"))
            step.log(.error, "push: delivery failed because of the configuration: \(reason)")
        }
    }
}
