import NudgeCore
import NudgeXMPP

/// The urn:xmpp:push:summary fields of a job's notification, read once.
///
/// The engine put only what the user's content options allow into the form,
/// so whatever is present here may go to the vendor.
struct PushSummary: Equatable {
    var messageCount: String?
    var pendingSubscriptionCount: String?
    var lastMessageSender: String?
    var lastMessageBody: String?
    var lastMessagePriority: String?
    /// `restart` or `timeout`: the push wakes the app, it announces no message.
    var wakeReason: String?
    /// Tigase's encrypted payload, in place of the form's fields.
    var encrypted: EncryptedPayload?
    /// A Push 2.0 notification's content, in place of a summary.
    var push2: Push2Content?

    /// `<notification xmlns='urn:xmpp:push2:0'>`: the RFC 8291 payload
    /// (base64) and the client's RFC 8292 JWT, for the device as they are.
    struct Push2Content: Equatable {
        var payload: String?
        var jwt: String?
        /// The JWT signer's public key, standard base64 as sent.
        var jwtKey: String?
        var voip: Bool
    }

    /// `<encrypted xmlns='tigase:push:encrypt:0' iv=… [type='voip']>`:
    /// only the client reads it, so it goes to the device as it is.
    struct EncryptedPayload: Equatable {
        var data: String
        var iv: String
        /// A call: for the device's PushKit token, when it registered one.
        var voip: Bool
    }

    /// The summary field names, in the order vendors' payloads carry them.
    static let fieldNames = ["message-count", "pending-subscription-count", "last-message-sender",
                             "last-message-body", "last-message-priority", "wake-reason"]

    init(messageCount: String? = nil, pendingSubscriptionCount: String? = nil, lastMessageSender: String? = nil,
         lastMessageBody: String? = nil, lastMessagePriority: String? = nil, wakeReason: String? = nil) {
        self.messageCount = messageCount
        self.pendingSubscriptionCount = pendingSubscriptionCount
        self.lastMessageSender = lastMessageSender
        self.lastMessageBody = lastMessageBody
        self.lastMessagePriority = lastMessagePriority
        self.wakeReason = wakeReason
    }

    /// Reads the form inside `notification`; a notification without a
    /// (valid) form is an empty summary, which still makes a push.
    init(_ notification: Element) {
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
        guard let x = notification.child("x", namespace: NS.dataForms), let form = try? DataForm(x) else { return }
        messageCount = form.value("message-count")
        pendingSubscriptionCount = form.value("pending-subscription-count")
        lastMessageSender = form.value("last-message-sender")
        lastMessageBody = form.value("last-message-body")
        lastMessagePriority = form.value("last-message-priority")
        wakeReason = form.value("wake-reason")
    }

    init(_ job: DeliveryJob) { self.init(job.notification) }

    /// The present fields as (name, value), in `fieldNames` order.
    var fields: [(name: String, value: String)] {
        let values = [messageCount, pendingSubscriptionCount, lastMessageSender,
                      lastMessageBody, lastMessagePriority, wakeReason]
        return zip(Self.fieldNames, values).compactMap { name, value in value.map { (name, $0) } }
    }

    /// The summary without the message body: what is left to send when the
    /// payload is over the vendor's limit.
    var withoutBody: PushSummary {
        var copy = self
        copy.lastMessageBody = nil
        return copy
    }

    /// A Push 2.0 payload as APNs' custom keys and FCM's data carry it:
    /// `encrypted` (base64 of RFC 8291's aes128gcm body, for the client's
    /// keys) and `content-encoding`.
    var push2Fields: [(String, String)] {
        guard let payload = push2?.payload else { return [] }
        return [("encrypted", payload), ("content-encoding", "aes128gcm")]
    }
}
