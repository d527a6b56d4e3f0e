import NudgeXMPP
import NudgeStore

/// The app server as a Push 2.0 push service: a `<message/>` to the
/// pubsub host with `<notification xmlns='urn:xmpp:push2:0'>`, whose
/// `<client/>` names a device registered by ad-hoc command (its node) or,
/// with `appserver.token_nodes`, a device token. Its `<encrypted/>`
/// payload goes to the device as it is: only the client can read it.
///
/// Push 2.0 carries no secret; the notification must come from the
/// device's owner's account (Nudge's server side sends it from the user's
/// bare JID) or from the owner's server (mod_push2 sends it from its
/// domain). A refusal is answered as a message error, which the sending
/// server takes as the end of the registration (any type but `wait`).
extension AppServer {
    func acceptPush2(_ message: Element, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        guard message[attribute: "type"] != "error", let notification = message.child("notification", namespace: NS.push2),
              let fromText = message[attribute: "from"], let from = try? JID(fromText) else { return }
        func refuse(_ type: String, _ condition: String, _ text: String) {
            step.send(StanzaError.reply(to: message, type: type, condition: condition, text: text))
            step.log(.info, "push: Push 2.0 notification from \(from) refused: \(condition): \(text)")
        }
        guard let client = notification.child("client", namespace: NS.push2)?.text.trimmed, !client.isEmpty else {
            return refuse("modify", "bad-request", "the notification needs a <client/>")
        }
        var reg: RegRecord
        var isNew = false
        if let registered = try store.registration(node: client) {
            reg = registered
        } else {
            switch tokenNode(client, nil, from: from.bare.description, now: step.now) {
            case .success(let r): reg = r; isNew = true
            case .failure(let refusal): return refuse(refusal.type, refusal.condition, refusal.text)
            }
        }
        guard let owner = try? JID(reg.owner),
              from.bare == owner.bare || (from.local == nil && from.resource == nil && from.domain == owner.domain) else {
            return refuse("auth", "forbidden", "only the device owner's account or server pushes to it")
        }
        guard let vendor = BackendConfig.Vendor(rawValue: reg.vendor), backend(vendor: vendor, app: reg.app) != nil else {
            return refuse("cancel", "item-not-found", "the app of this client is no longer served")
        }
        if isNew {
            try store.putRegistration(node: client, reg)
            reg = try store.registration(node: client) ?? reg
        }
        let priority: Priority
        switch notification.child("priority", namespace: NS.push2)?.text.trimmed {
        case "high": priority = .high
        case "low": priority = .low
        default: priority = .normal
        }
        switch try enqueue(node: client, summary: PushSummary(notification: notification), priority: priority,
                           stanzaAt: nil, &step, store) {
        case .success(let seq): step.log(.debug, "push: Push 2.0 notification from \(from) queued (outbox \(seq))")
        case .failure(let refusal): refuse(refusal.type, refusal.condition, refusal.text)
        }
    }
}
