import NudgeStore

/// The summary (`NudgeStore.PushSummary`, read once when the publish was
/// accepted) as the vendors' payloads carry it.
extension PushSummary {
    /// The summary field names, in the order vendors' payloads carry them.
    static let fieldNames = ["message-count", "pending-subscription-count", "last-message-sender",
                             "last-message-body", "last-message-priority", "wake-reason"]

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
