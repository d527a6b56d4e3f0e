import NudgeStore
import NudgeXMPP

extension PushSummary {
    /// Reads a published `<notification>`; `form` is its summary form,
    /// when the caller parsed it already (the publish checks it), else it
    /// is parsed here. A notification without a (valid) form is an empty
    /// summary, which still makes a push.
    public init(notification: Element, form: DataForm? = nil) {
        self.init()
        if notification.namespace == NS.push2 {
            let payload = notification.child("encrypted", namespace: NS.sceRFC8291)?.child("payload")?.text.filter { !$0.isWhitespace }
            let jwt = notification.child("jwt", namespace: NS.push2)
            push2 = Push2Content(payload: payload, jwt: jwt?.text.filter { !$0.isWhitespace }, jwtKey: jwt?[attribute: "key"],
                                 voip: notification.child("voip", namespace: NS.push2) != nil)
            return
        }
        if let e = notification.child("encrypted", namespace: NS.tigasePushEncrypt), let iv = e[attribute: "iv"] {
            encrypted = EncryptedPayload(data: e.text.filter { !$0.isWhitespace }, iv: iv, voip: e[attribute: "type"] == "voip")
        }
        guard let form = form ?? notification.child("x", namespace: NS.dataForms).flatMap({ try? DataForm($0) }) else { return }
        messageCount = form.value("message-count")
        pendingSubscriptionCount = form.value("pending-subscription-count")
        lastMessageSender = form.value("last-message-sender")
        lastMessageBody = form.value("last-message-body")
        lastMessagePriority = form.value("last-message-priority")
        wakeReason = form.value("wake-reason")
    }
}
