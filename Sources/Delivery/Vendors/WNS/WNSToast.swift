import NudgeStore

/// The XML of a WNS toast: who wrote, and what (or how many messages).
enum WNSToast {
    /// The first line when the summary names no sender.
    static let defaultTitle = "New message"

    /// `<toast><visual><binding template="ToastGeneric"><text>…</text>…`.
    static func xml(_ summary: PushSummary) -> String {
        var texts = [summary.lastMessageSender ?? defaultTitle]
        if let line = secondLine(summary) { texts.append(line) }
        let lines = texts.map { "<text>\(escaped($0))</text>" }.joined()
        return #"<toast><visual><binding template="ToastGeneric">"# + lines + "</binding></visual></toast>"
    }

    /// The message body, else the count of messages; nil when there is neither.
    static func secondLine(_ summary: PushSummary) -> String? {
        if let body = summary.lastMessageBody { return body }
        guard let count = summary.messageCountNumber, count > 0 else { return nil }
        return count == 1 ? "1 new message" : "\(count) new messages"
    }

    /// Text as XML character data: the five special characters as
    /// entities, and the control characters XML 1.0 does not allow at all
    /// (WNS would refuse the document) as spaces.
    static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                out += " "
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
