import NudgeXMPP
import NudgeStore
import NudgeCrypto

/// Builds what XEP-0357 §5 publishes: a pubsub publish whose item carries
/// a <notification/> with the urn:xmpp:push:summary form, and the
/// publish-options the client gave at enable time (its secret).
enum PublishBuilder {
    /// The summary form, holding only what the user's options allow.
    static func summaryForm(_ s: SummaryRecord, options: ContentOptions, reason: PushReason) -> DataForm {
        var form = DataForm(type: "submit", formType: NS.pushSummary)
        if options.includeMessageCount {
            form.fields.append(.init("message-count", values: [String(s.messageCount)]))
        }
        if options.includeSubscriptionCount {
            form.fields.append(.init("pending-subscription-count", values: [String(s.subscriptionCount)]))
        }
        if options.includeSenders, let sender = s.lastSender {
            form.fields.append(.init("last-message-sender", values: [sender]))
        }
        if options.includeMessageBodies, let body = s.lastBody {
            form.fields.append(.init("last-message-body", values: [body]))
        }
        form.fields.append(.init("last-message-priority", values: [reason.priority.formValue]))
        // A wake is not a message: say why, so a client woken by a restart
        // opens a new stream instead of trying to resume one that is gone.
        switch reason {
        case .restartWake: form.fields.append(.init("wake-reason", values: ["restart"]))
        case .timeoutWake: form.fields.append(.init("wake-reason", values: ["timeout"]))
        default: break
        }
        return form
    }

    /// The <notification/>: the summary form, or with Tigase's encryption
    /// the `<encrypted/>` payload in its place (for pushes no stanza caused,
    /// wakes and tests, a form with neither sender nor body, as Tigase sends
    /// no payload for them); and Tigase's `<priority/>` when asked for and
    /// the push is for something the user should see now. `chosen`: the
    /// options the user set in-band, which an encrypted payload honours
    /// too (the server's defaults only keep content from app servers,
    /// which cannot read it).
    static func notification(_ s: SummaryRecord, options: ContentOptions, chosen: ContentOptions? = nil, reason: PushReason,
                             extensions: EnableExtensions) throws(CryptoError) -> Element {
        var notification = Element("notification", namespace: NS.push)
        if let key = extensions.encryptionKey {
            if reason.isStanzaCaused {
                var shown = s
                if chosen?.includeSenders == false { shown.lastSender = nil; shown.lastCall?.caller = "" }
                if chosen?.includeMessageBodies == false { shown.lastBody = nil; shown.lastEncrypted = false }
                notification.append(try EncryptedNotification.element(shown, reason: reason, key: key,
                                                                     maxSize: extensions.maxPayloadBytes,
                                                                     voip: extensions.jingle))
            } else {
                var bare = s
                bare.lastSender = nil
                bare.lastBody = nil
                notification.append(summaryForm(bare, options: options, reason: reason).element)
            }
        } else {
            notification.append(summaryForm(s, options: options, reason: reason).element)
        }
        if extensions.priority && isImportant(s, reason) {
            var priority = Element("priority", namespace: NS.tigasePushPriority)
            priority.append(text: "high")
            notification.append(priority)
        }
        return notification
    }

    /// Tigase marks pushes for a message with a body (and so for a call,
    /// which has none, through its VoIP push); follow-ups carry messages.
    static func isImportant(_ s: SummaryRecord, _ reason: PushReason) -> Bool {
        switch reason {
        case .message, .mention, .encrypted, .call: return true
        case .followUp: return s.lastBody != nil || s.lastEncrypted
        case .other, .subscription, .restartWake, .timeoutWake, .test: return false
        }
    }

    /// <pubsub><publish node=…><item id=…><notification>…</notification></item></publish>
    /// <publish-options>…</publish-options></pubsub>
    static func pubsub(node: String, itemID: String, notification: Element, publishOptions: [StoredField]) -> Element {
        var item = Element("item", namespace: NS.pubsub, attributes: [("id", itemID)])
        item.append(notification)
        var publish = Element("publish", namespace: NS.pubsub, attributes: [("node", node)])
        publish.append(item)
        var pubsub = Element("pubsub", namespace: NS.pubsub)
        pubsub.append(publish)
        if let options = publishOptionsForm(publishOptions) {
            var po = Element("publish-options", namespace: NS.pubsub)
            po.append(options.element)
            pubsub.append(po)
        }
        return pubsub
    }

    /// The publish-options form every publish of an enablement carries, or
    /// nil when the client gave none.
    static func publishOptionsForm(_ publishOptions: [StoredField]) -> DataForm? {
        guard !publishOptions.isEmpty else { return nil }
        var options = DataForm(type: "submit", formType: NS.pubsubPublishOptions)
        for f in publishOptions where f.name != "FORM_TYPE" {
            options.fields.append(.init(f.name, values: f.values))
        }
        return options
    }

    static func iq(id: String, from user: String, to service: String, payload: Element) -> Element {
        var iq = Element("iq", attributes: [("type", "set"), ("from", user), ("to", service), ("id", id)])
        iq.append(payload)
        return iq
    }
}
