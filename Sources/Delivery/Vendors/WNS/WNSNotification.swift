import NudgeStore
import NudgeXMPP

/// The body and type headers of one WNS push.
struct WNSNotification: Equatable {
    /// WNS's limit for a notification's body.
    static let limit = 5000

    /// `wns/raw` or `wns/toast`.
    var type: String
    var contentType: String
    var body: [UInt8]

    /// The push for `summary`: a raw one hands the summary JSON to the
    /// app's background task; a toast shows sender and text. A wake (the
    /// summary has `wake-reason`) always goes raw: it is for the app, there
    /// is nothing to show. As is if it fits, else without the message
    /// body; nil when even that is too large.
    static func make(_ summary: PushSummary, toast: Bool) -> WNSNotification? {
        let asToast = toast && summary.wakeReason == nil
        for candidate in [summary, summary.withoutBody] {
            let notification = asToast
                ? WNSNotification(type: "wns/toast", contentType: "text/xml", body: Array(WNSToast.xml(candidate).utf8))
                : WNSNotification(type: "wns/raw", contentType: "application/octet-stream",
                                  body: Array(JSON.object(candidate.jsonObject).serialized().utf8))
            if notification.body.count <= limit { return notification }
        }
        return nil
    }
}
