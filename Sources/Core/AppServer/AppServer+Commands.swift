import NudgeXMPP
import NudgeStore
import NudgeCrypto
import NudgeNet

extension AppServer {
    func command(_ iq: Element, _ command: Element, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        guard let node = command[attribute: "node"], let cmd = AdHocCommand(node: node, backends: backends) else {
            return step.refuse(iq, "cancel", "item-not-found", "no such command")
        }
        guard let fromText = iq[attribute: "from"], let from = try? JID(fromText), from.local != nil else {
            return step.refuse(iq, "auth", "forbidden", "registration is open to user accounts only")
        }
        let allowed = config.appServer.allowDomains.isEmpty ? config.server.domains : config.appServer.allowDomains
        guard allowed.contains(from.domain) else {
            return step.refuse(iq, "auth", "forbidden", "accounts of \(from.domain) may not register here (appserver.allow_domains)")
        }
        let action = command[attribute: "action"] ?? "execute"
        let session = command[attribute: "sessionid"] ?? "s\(step.now)"
        if action == "cancel" {
            return step.send(iqResult(to: iq, payload: Self.commandReply(node, session, status: "canceled", form: nil)))
        }
        guard action == "execute" || action == "complete" else {
            return step.refuse(iq, "modify", "bad-request", "action \(action) is not supported: commands complete in one step")
        }
        let submitted: DataForm?
        if let x = command.child("x", namespace: NS.dataForms) {
            do { submitted = try DataForm(x) } catch {
                return step.refuse(iq, "modify", "bad-request", "malformed data form: \(error.message)")
            }
        } else {
            submitted = nil
        }
        let owner = from.bare.description
        switch cmd {
        case .register(let vendor):
            guard let form = submitted else {
                return step.send(iqResult(to: iq, payload: Self.commandReply(node, session, status: "executing", form: registrationForm(vendor))))
            }
            switch RegistrationRequest.parse(vendor, form, owner: owner, resource: from.resource ?? "default") {
            case .success(let request): try register(iq, node, session, request, from, &step, store)
            case .failure(let refusal): step.refuse(iq, "modify", "bad-request", refusal.text)
            }
        case .registerDevice:
            guard let form = submitted else {
                return step.send(iqResult(to: iq, payload: Self.commandReply(node, session, status: "executing", form: deviceForm())))
            }
            switch RegistrationRequest.parse(tigase: form, backends: backends) {
            case .success(let request): try register(iq, node, session, request, from, nodeIsCredential: true, &step, store)
            case .failure(let refusal): step.refuse(iq, "modify", "bad-request", refusal.text)
            }
        case .unregisterDevice:
            try unregisterDevice(iq, node, session, submitted, from, &step, store)
        case .list:
            var result = DataForm(type: "result")
            for (node, reg) in try store.registrations(owner: owner) {
                var item: [DataForm.Field] = [.init("device-id", values: [reg.deviceID]), .init("node", values: [node])]
                if let name = reg.deviceName { item.insert(.init("device-name", values: [name]), at: 0) }
                result.items.append(item)
            }
            step.send(iqResult(to: iq, payload: Self.commandReply(node, session, status: "completed", form: result)))
        case .unregister:
            try unregister(iq, node, session, submitted, from, &step, store)
        case .unregisterRoom:
            try unregisterRoom(iq, node, session, submitted, from, &step, store)
        }
    }

    private func registrationForm(_ vendor: BackendConfig.Vendor) -> DataForm {
        var form = DataForm(type: "form")
        switch vendor {
        case .webpush:
            form.fields += [.init("endpoint", type: "text-single", values: []), .init("p256dh", type: "text-single", values: []),
                            .init("auth", type: "text-single", values: [])]
        case .ubuntu:
            form.fields += [.init("token", type: "text-single", values: []), .init("application-id", type: "text-single", values: [])]
        default:
            form.fields.append(.init("token", type: "text-single", values: []))
        }
        form.fields += [.init("device-id", type: "text-single", values: []), .init("device-name", type: "text-single", values: [])]
        let apps = backends.filter { $0.vendor == vendor }.map(\.app)
        if apps.count > 1, let fallback = BackendConfig.defaultBackend(of: vendor, in: backends) {
            var app = DataForm.Field("app", type: "list-single", values: [fallback.app])
            app.options = apps.map { DataForm.Option($0, label: $0) }
            form.fields.append(app)
        }
        return form
    }

    /// Stores a parsed registration and answers with its node (and its
    /// secret, unless `nodeIsCredential`: Tigase's clients enable with the
    /// node alone, so its node is long enough to be the secret).
    private func register(_ iq: Element, _ node: String, _ session: String, _ request: RegistrationRequest, _ from: JID,
                          nodeIsCredential: Bool = false, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        let owner = from.bare.description
        let vendor = request.vendor
        let backend: BackendConfig
        if let app = request.app {
            guard let b = self.backend(vendor: vendor, app: app) else {
                return step.refuse(iq, "cancel", "item-not-found", "no \(vendor.displayName) backend for app \(app)")
            }
            backend = b
        } else {
            // The command exists only for a configured vendor.
            guard let b = BackendConfig.defaultBackend(of: vendor, in: backends) else {
                return step.refuse(iq, "cancel", "item-not-found", "no \(vendor.displayName) backend is configured")
            }
            backend = b
        }
        // The client names the URL we will send to (and, for WNS, send our
        // access token to): refuse what the backend would never use, now,
        // with a reason, rather than at the first push.
        if let refusal = Self.endpointRefusal(request.token, backend) {
            return step.refuse(iq, "modify", "not-acceptable", refusal)
        }
        let existingNode = try store.registeredNode(owner: owner, deviceID: request.deviceID)
        if existingNode == nil, let refusal = try limitRefusal(request, owner: owner, store) {
            return step.refuse(iq, "cancel", "not-allowed", refusal)
        }
        let pubsubNode = existingNode ?? SecureRandom.token(bytes: nodeIsCredential ? TigaseProvider.nodeBytes : 12)
        let secret = nodeIsCredential ? nil : SecureRandom.token(bytes: 24)
        let previous = try existingNode.flatMap { n throws(StoreError) in try store.registration(node: n) }
        let record = RegRecord(vendor: vendor.rawValue, app: backend.app, token: request.token, extra: request.extra,
                               secretDigest: secret.map { SHA256.hash(Array($0.utf8)) } ?? [], owner: owner, deviceID: request.deviceID,
                               deviceName: request.deviceName ?? previous?.deviceName,
                               createdAt: previous?.createdAt ?? step.now, updatedAt: step.now,
                               previousSecretDigest: previous?.secretDigest ?? [])
        try store.putRegistration(node: pubsubNode, record)
        var result = DataForm(type: "result")
        result.fields = [.init("jid", values: [pubsubHost]), .init("node", values: [pubsubNode])]
        if let secret { result.fields.append(.init("secret", values: [secret])) }
        if nodeIsCredential, let features = TigaseProvider.features(vendor) {
            result.fields.append(.init("features", type: "text-multi", values: features))
        }
        step.send(iqResult(to: iq, payload: Self.commandReply(node, session, status: "completed", form: result)))
        step.log(.info, "push: \(owner) \(previous == nil ? "registered" : "re-registered") device \(request.deviceID) with \(vendor.displayName) app \(backend.app), node \(Redact.token(pubsubNode)), token \(Redact.token(request.token))")
    }

    /// The form `register-device` offers a client that asks for one.
    private func deviceForm() -> DataForm {
        var form = DataForm(type: "form")
        let providers = TigaseProvider.served(by: backends)
        var provider = DataForm.Field("provider", type: "list-single", values: [providers[0]])
        provider.options = providers.map { DataForm.Option($0, label: $0) }
        form.fields = [provider, .init("device-token", type: "text-single", values: []),
                       .init("device-second-token", type: "text-single", values: [])]
        return form
    }

    /// Tigase's `unregister-device`: the provider and the token name it.
    private func unregisterDevice(_ iq: Element, _ node: String, _ session: String, _ form: DataForm?, _ from: JID,
                                  _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        // By the id's vendor, not its route: a registration outlives a
        // provider the configuration no longer serves, and is still removable.
        guard let provider = form?.value("provider"), !provider.isEmpty else {
            return step.refuse(iq, "modify", "bad-request",
                               "field provider is required: one of \(TigaseProvider.served(by: backends).joined(separator: ", "))")
        }
        guard let vendor = TigaseProvider.vendor(of: provider) else {
            return step.refuse(iq, "modify", "bad-request", "field provider: \(provider) names neither apns nor fcm")
        }
        guard let raw = form?.value("device-token"), !raw.isEmpty else {
            return step.refuse(iq, "modify", "bad-request", "field device-token is required")
        }
        guard let token = RegistrationRequest.deviceToken(raw, vendor) else {
            return step.refuse(iq, "modify", "bad-request", "field device-token: not a hex or base64 APNs device token")
        }
        try removeDevice(RegistrationRequest.deviceID(provider: provider, token: token), iq, node, session, from,
                         notFound: "no such registration", &step, store)
    }

    /// Removes the user's registration that `deviceID` names and answers
    /// with its node; item-not-found when the user has none.
    private func removeDevice(_ deviceID: String, _ iq: Element, _ node: String, _ session: String, _ from: JID,
                              notFound: String, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        guard let registered = try store.registeredNode(owner: from.bare.description, deviceID: deviceID) else {
            return step.refuse(iq, "cancel", "item-not-found", notFound)
        }
        try removeRegistration(registered, reason: "unregistered by the user", &step, store)
        var result = DataForm(type: "result")
        result.fields = [.init("nodes", type: "list-multi", values: [registered])]
        step.send(iqResult(to: iq, payload: Self.commandReply(node, session, status: "completed", form: result)))
    }

    /// A room's registration is not a device: rooms have a bound of
    /// their own per device, so that a phone in many rooms still gets its
    /// account registered.
    private func limitRefusal(_ request: RegistrationRequest, owner: String, _ store: any StoreReader) throws(StoreError) -> String? {
        let registrations = try store.registrations(owner: owner).map(\.1)
        if request.isRoom {
            let account = request.extra.first { $0.name == ConversationsNames.accountKey }?.values.first
            let rooms = registrations.filter { $0.extra(ConversationsNames.channelKey) != nil && $0.extra(ConversationsNames.accountKey) == account }
            guard rooms.count >= Self.maxRoomsPerDevice else { return nil }
            return "at most \(Self.maxRoomsPerDevice) rooms may be registered for one device; unregister one first (unregister-push-fcm)"
        }
        let devices = registrations.filter { $0.extra(ConversationsNames.channelKey) == nil }
        guard devices.count >= config.appServer.maxDevicesPerUser else { return nil }
        return "at most \(config.appServer.maxDevicesPerUser) devices may be registered (appserver.max_devices_per_user); unregister one first"
    }

    /// Rooms one device may register: a bound on what a client can make us
    /// store, far above the rooms a person takes part in.
    static let maxRoomsPerDevice = 500

    /// Conversations' `unregister-push-fcm`: the room's channel and the
    /// phone's android-id name the registration (ConversationsNames).
    private func unregisterRoom(_ iq: Element, _ node: String, _ session: String, _ form: DataForm?, _ from: JID,
                                _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        guard let channel = form?.value("channel"), !channel.isEmpty else {
            return step.refuse(iq, "modify", "bad-request", "field channel is required")
        }
        guard let androidID = form?.value("android-id"), !androidID.isEmpty else {
            return step.refuse(iq, "modify", "bad-request", "field android-id is required")
        }
        try removeDevice(ConversationsNames.roomDeviceID(androidID: androidID, channel: channel), iq, node, session, from,
                         notFound: "no registration for this channel", &step, store)
    }

    private func unregister(_ iq: Element, _ node: String, _ session: String, _ form: DataForm?, _ from: JID,
                            _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        let owner = from.bare.description
        var nodes: [String] = []
        if let listed = form?["nodes"], !listed.isEmpty {
            // Only the user's own nodes: a node name is not a credential.
            for n in listed where try store.registration(node: n)?.owner == owner { nodes.append(n) }
        } else {
            let device = form?.value("device-id") ?? from.resource ?? "default"
            if let n = try store.registeredNode(owner: owner, deviceID: device) { nodes.append(n) }
        }
        guard !nodes.isEmpty else { return step.refuse(iq, "cancel", "item-not-found", "no such registration") }
        for n in nodes { try removeRegistration(n, reason: "unregistered by the user", &step, store) }
        var result = DataForm(type: "result")
        result.fields = [.init("nodes", type: "list-multi", values: nodes)]
        step.send(iqResult(to: iq, payload: Self.commandReply(node, session, status: "completed", form: result)))
    }

    /// Removes a registration and disables the enablements of its owner
    /// that point at it here: they could never be delivered again.
    func removeRegistration(_ node: String, reason: String, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        guard let reg = try store.deleteRegistration(node: node) else { return }
        for (key, _) in try store.enables(ofUser: reg.owner) where key.service == pubsubHost && key.node == node {
            try store.deleteEnable(key)
            try store.deleteSummary(key)
            step.actions.append(.indexRemove(key))
            step.actions.append(.disabled(key, reason: reason))
        }
        step.log(.info, "push: registration \(Redact.token(node)) of \(reg.owner) removed: \(reason)")
    }

    static func endpointRefusal(_ token: String, _ backend: BackendConfig) -> String? {
        switch backend.vendor {
        case .webpush:
            return EndpointPolicy.check(token, allowHTTP: backend.allowHTTP, allowPrivateAddresses: backend.allowPrivateAddresses)
        case .wns:
            return WNSChannel(endpoint: backend.endpoint).check(token)
        case .apns, .fcm, .ubuntu:
            return nil
        }
    }

    static func commandReply(_ node: String, _ session: String, status: String, form: DataForm?) -> Element {
        var reply = Element("command", namespace: NS.commands, attributes: [("node", node), ("sessionid", session), ("status", status)])
        if let form { reply.append(form.element) }
        return reply
    }
}
