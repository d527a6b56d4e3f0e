import NudgeStore
import NudgeXMPP

/// The JSON body of an APNs push, built from the summary the user allowed.
enum APNsPayload {
    /// The body for `summary`, within `kind`'s limit: as is if it fits, else
    /// without the message body; nil when even that is too large.
    /// `account`: the user's bare JID, which Tigase's clients (Siskin's
    /// NotificationService) need to know whose push it is.
    static func body(_ summary: PushSummary, kind: APNsPushKind, style: APNsAlertStyle, account: String? = nil) -> [UInt8]? {
        for candidate in [summary, summary.withoutBody] {
            let bytes = Array(json(candidate, kind: kind, style: style, account: account).serialized().utf8)
            if bytes.count <= kind.payloadLimit { return bytes }
        }
        return nil
    }

    /// `{"aps":{…}, <summary fields>}`. The summary fields travel as custom
    /// keys so the app's notification extension can use them; counts are
    /// JSON numbers. Tigase's encrypted payload travels as `encrypted` and
    /// `iv`, the keys Siskin's NotificationService and CallManager read.
    static func json(_ summary: PushSummary, kind: APNsPushKind, style: APNsAlertStyle, account: String? = nil) -> JSON {
        var payload = JSONObject()
        payload["aps"] = .object(aps(summary, kind: kind, style: style))
        if let account { payload["account"] = .string(account) }
        for (name, value) in summary.jsonObject { payload[name] = value }
        if let encrypted = summary.encrypted {
            payload["encrypted"] = .string(encrypted.data)
            payload["iv"] = .string(encrypted.iv)
        }
        for (name, value) in summary.push2Fields { payload[name] = .string(value) }
        return .object(payload)
    }

    private static func aps(_ summary: PushSummary, kind: APNsPushKind, style: APNsAlertStyle) -> JSONObject {
        var aps = JSONObject()
        switch kind {
        case .alert:
            var alert = JSONObject()
            if let sender = summary.lastMessageSender { alert["title"] = .string(sender) }
            alert["body"] = .string(summary.lastMessageBody ?? style.alertBody)
            aps["alert"] = .object(alert)
            if let sound = style.sound { aps["sound"] = .string(sound) }
            // Only the app's notification service extension can read an
            // encrypted payload: it must be let in.
            if style.mutableContent || summary.encrypted != nil || summary.push2?.payload != nil { aps["mutable-content"] = 1 }
        case .background:
            aps["content-available"] = 1
        case .voip:
            // PushKit hands the whole payload to the app; `aps` stays empty.
            break
        }
        return aps
    }
}
