import NudgeCore
import NudgeXMPP

/// The `apns-*` request headers of one push.
enum APNsHeaders {
    /// How long Apple keeps a push for an offline device, counted from when
    /// the job was made: a day-old summary is not worth showing.
    static let expirySeconds: Millis = 86_400
    /// Apple's limit for `apns-collapse-id`.
    static let collapseIDLimit = 64

    /// The headers after `authorization`, in the order they are sent.
    static func headers(topic: String, kind: APNsPushKind, priority: Priority,
                        createdAt: Millis, node: String) -> [(name: String, value: String)] {
        [
            ("apns-topic", self.topic(topic, kind: kind)),
            ("apns-push-type", kind.rawValue),
            ("apns-priority", self.priority(kind: kind, priority: priority)),
            ("apns-expiration", String(createdAt / 1000 + expirySeconds)),
            ("apns-collapse-id", collapseID(node: node)),
            ("content-type", "application/json"),
        ]
    }

    /// VoIP pushes go to the `.voip` topic. An operator who already wrote
    /// the suffix into the configured topic does not get it twice.
    static func topic(_ topic: String, kind: APNsPushKind) -> String {
        kind == .voip && !topic.hasSuffix(".voip") ? topic + ".voip" : topic
    }

    /// 10 delivers at once and may wake the device; 5 lets Apple batch for
    /// power. Background pushes must be 5.
    static func priority(kind: APNsPushKind, priority: Priority) -> String {
        kind == .background || priority == .low ? "5" : "10"
    }

    /// "nudge-" + node, cut to 64 bytes on a character boundary: a newer
    /// summary for the same device replaces an older undelivered one.
    static func collapseID(node: String) -> String {
        ("nudge-" + node).utf8Prefix(collapseIDLimit)
    }
}
