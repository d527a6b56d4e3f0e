import NudgeStore
import NudgeCore
import NudgeXMPP

/// The body of an FCM HTTP v1 `messages:send` request.
enum FCMMessage {
    /// FCM's message size limit.
    static let limit = 4096
    /// How long FCM keeps a push for an offline device, counted from when the
    /// job was made: a day-old summary is not worth showing.
    static let lifetimeMs: Millis = 86_400_000

    /// The body within the limit: as is if it fits, else without the message
    /// body; nil when even that is too large. `names`: what the app knows
    /// the push by (Conversations' `account` and `channel`), in the data
    /// beside the summary.
    static func body(token: String, summary: PushSummary, names: [(String, String)] = [], priority: Priority,
                     createdAt: Millis, node: String, now: Millis) -> [UInt8]? {
        for candidate in [summary, summary.withoutBody] {
            let bytes = Array(json(token: token, summary: candidate, names: names, priority: priority,
                                   createdAt: createdAt, node: node, now: now).serialized().utf8)
            if bytes.count <= limit { return bytes }
        }
        return nil
    }

    /// `{"message":{"token","data","android":{"priority","ttl","collapse_key"}}}`.
    /// `data` is a string map, so counts go as strings.
    static func json(token: String, summary: PushSummary, names: [(String, String)] = [], priority: Priority,
                     createdAt: Millis, node: String, now: Millis) -> JSON {
        var data = JSONObject()
        for (name, value) in summary.fields { data[name] = .string(value) }
        for (name, value) in summary.push2Fields { data[name] = .string(value) }
        for (name, value) in names { data[name] = .string(value) }
        let ttlSeconds = max(0, createdAt + lifetimeMs - now) / 1000
        let android: JSON = [
            // "high" may wake the device from Doze; "normal" waits for it.
            "priority": priority == .low ? "normal" : "high",
            "ttl": .string("\(ttlSeconds)s"),
            // A newer summary for the same device replaces an undelivered one.
            "collapse_key": .string("nudge-" + node),
        ]
        return ["message": ["token": .string(token), "data": .object(data), "android": android]]
    }
}
