import NudgeXMPP

/// Which messages a session sends show its user at that device, for a
/// Push 2.0 `<grace/>` ("no push while another of the user's sessions was
/// active within that many seconds").
///
/// What a person does there: a message with a body or encrypted, typing
/// or looking at a chat (XEP-0085 `active`, `composing`, `paused`), a
/// message marked read (XEP-0333 `displayed`), a call placed or answered
/// (XEP-0353). Not what a client does unattended: receipts (a desktop left
/// alone acknowledges every message it gets), `inactive` and `gone` (sent
/// when the user has left the chat), errors. mod_push2 counts messages
/// with a body and every chat state; the markers and calls are as clearly
/// the user's, `inactive` and `gone` clearly not.
public enum SessionActivity {
    static let presentStates: Set<String> = ["active", "composing", "paused"]

    /// Does `message`, sent by one of the user's sessions, show the user there?
    public static func showsUser(_ message: Element) -> Bool {
        guard message.name == "message", message[attribute: "type"] != "error" else { return false }
        if let body = message.child("body")?.text, !body.allSatisfy(\.isWhitespace) { return true }
        if Classifier.isEncrypted(message) { return true }
        for child in message.elements {
            switch child.namespace {
            case NS.chatStates: if presentStates.contains(child.name) { return true }
            case NS.markers: if child.name == "displayed" { return true }
            case NS.jingleMessage: return true
            default: continue
            }
        }
        return false
    }

    /// Did a session of the user other than `resource` show activity less
    /// than `grace` seconds before `now`? `activeAt`: each session's last.
    static func elsewhere(_ activeAt: [String: Millis], except resource: String, grace: UInt32, now: Millis) -> Bool {
        activeAt.contains { $0.key != resource && now - $0.value < Millis(grace) * 1000 }
    }
}
