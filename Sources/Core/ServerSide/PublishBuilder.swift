import NudgeXMPP
import NudgeStore

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

    /// <pubsub><publish node=…><item id=…><notification>…</notification></item></publish>
    /// <publish-options>…</publish-options></pubsub>
    static func pubsub(node: String, itemID: String, form: DataForm, publishOptions: [StoredField]) -> Element {
        var notification = Element("notification", namespace: NS.push)
        notification.append(form.element)
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
