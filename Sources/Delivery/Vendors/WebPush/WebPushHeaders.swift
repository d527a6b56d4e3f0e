import NudgeCore

/// The request headers of one Web Push message (RFC 8030 §5).
enum WebPushHeaders {
    /// RFC 8030's limit for `Topic`.
    static let topicLength = 32

    /// The headers in the order they are sent.
    static func headers(ttlSeconds: Millis, urgency: String, topic: String,
                        authorization: String) -> [(name: String, value: String)] {
        [
            ("ttl", String(ttlSeconds)),
            ("urgency", urgency),
            ("topic", topic),
            ("content-encoding", "aes128gcm"),
            ("content-type", "application/octet-stream"),
            ("authorization", authorization),
        ]
    }

    /// What is left of the configured lifetime, counted from when the job
    /// was made: a retried push does not live longer than the first try
    /// would have, as with APNs and FCM.
    static func ttl(configuredSeconds: Int, createdAt: Millis, now: Millis) -> Millis {
        let lifetime = Millis(configuredSeconds) * 1000
        let age = max(0, now - createdAt)
        return max(0, lifetime - age) / 1000
    }

    /// `high` may wake a sleeping device at once, `low` lets the push
    /// service wait for a better moment. A wake (the summary has
    /// `wake-reason`) goes as `normal`: it keeps the app's connection
    /// alive, it announces no message.
    static func urgency(_ priority: Priority, isWake: Bool) -> String {
        if isWake { return "normal" }
        switch priority {
        case .high: return "high"
        case .normal: return "normal"
        case .low: return "low"
        }
    }

    /// 32 base64url characters from the node: a newer summary for the
    /// device replaces one the push service still holds.
    static func topic(node: String) -> String {
        NodeTag.tag(node, characters: topicLength)
    }
}
