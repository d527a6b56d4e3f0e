import NudgeStore
import NudgeCore
import NudgeXMPP

/// The body of a UBports (Ubuntu Touch) `POST /notify`: the app's token,
/// an expiry, and `data` that the app's push helper turns into a card.
enum UBportsPayload {
    /// The push server's limits for the whole body and for `data`.
    static let bodyLimit = 4096
    static let dataLimit = 2048
    /// How long the server keeps a push for an offline device, counted
    /// from when the job was made, as with the other vendors.
    static let lifetimeMs: Millis = 86_400_000
    /// The card's headline.
    static let cardSummary = "New message"

    /// The body within the limits: as is if it fits, else without the
    /// message body; nil when even that is too large.
    static func body(appID: String, token: String, summary: PushSummary, createdAt: Millis, tag: String) -> [UInt8]? {
        for candidate in [summary, summary.withoutBody] {
            let data = self.data(candidate, tag: tag)
            guard data.serialized().utf8.count <= dataLimit else { continue }
            let body: JSON = [
                "appid": .string(appID),
                "token": .string(token),
                "expire_on": .string(RFC3339.format(createdAt + lifetimeMs)),
                "data": data,
                // A newer summary replaces one the device has not fetched yet.
                "replace_tag": .string(tag),
            ]
            let bytes = Array(body.serialized().utf8)
            if bytes.count <= bodyLimit { return bytes }
        }
        return nil
    }

    /// `{"notification":{card, tag, counter}, "message":{summary fields}}`.
    /// The default push helper shows `notification`; the app's own helper
    /// can read `message`. A wake (`wake-reason`) has no card: there is
    /// nothing to show.
    static func data(_ summary: PushSummary, tag: String) -> JSON {
        var data = JSONObject()
        if summary.wakeReason == nil {
            var card: JSONObject = ["summary": .string(cardSummary)]
            if let text = cardBody(summary) { card["body"] = .string(text) }
            card["popup"] = true
            card["persist"] = true
            var notification: JSONObject = ["card": .object(card), "tag": .string(tag)]
            if let count = summary.messageCountNumber {
                notification["counter"] = ["count": .number(Double(count)), "visible": .bool(count > 0)]
            }
            data["notification"] = .object(notification)
        }
        data["message"] = .object(summary.jsonObject)
        return .object(data)
    }

    /// "romeo@example.net: Wherefore art thou?", or whichever half the
    /// user's options let through; nil for neither.
    static func cardBody(_ summary: PushSummary) -> String? {
        switch (summary.lastMessageSender, summary.lastMessageBody) {
        case (let sender?, let body?): return sender + ": " + body
        case (let sender?, nil): return sender
        case (nil, let body?): return body
        case (nil, nil): return nil
        }
    }
}
