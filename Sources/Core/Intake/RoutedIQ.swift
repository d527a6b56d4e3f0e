import NudgeXMPP

/// What a host thread decides about an iq routed to the engine before it
/// reaches the writer: which iqs cost registration budget, and the replies
/// to those refused at once. Refusing here answers without a queue or a
/// commit, which is the point of refusing early.
public enum RoutedIQ {
    /// A register command with its form (AdHocCommand.registers). The
    /// first step, asking for the form, costs nothing and is not counted.
    public static func isRegistration(_ iq: Element) -> Bool {
        guard iq[attribute: "type"] == "set", let command = iq.child("command", namespace: NS.commands),
              let node = command[attribute: "node"], AdHocCommand.registers(node) else { return false }
        return command.child("x", namespace: NS.dataForms) != nil
    }

    /// A registration by a user who has used up `appserver.registrations_per_hour`.
    public static func overBudget(_ iq: Element) -> Element {
        StanzaError.reply(to: iq, type: "wait", condition: "resource-constraint",
                          text: "too many registrations; try again later (appserver.registrations_per_hour)")
    }

    /// An iq whose type is none of XMPP's four.
    public static func badType(_ iq: Element) -> Element {
        StanzaError.reply(to: iq, type: "modify", condition: "bad-request", text: "iq type must be get, set, result or error")
    }

    /// The reply to a routed iq get or set that could not be read (too
    /// large, too deep, malformed), from its start tag alone; nil for
    /// anything that must not be answered (a result, an error, a message)
    /// or that names no valid sender. The same answer on every host.
    public static func unreadable(_ root: Element, _ code: ResultCode, _ why: String) -> Element? {
        guard root.name == "iq", root[attribute: "type"] == "get" || root[attribute: "type"] == "set",
              let from = root[attribute: "from"], (try? JID(from)) != nil else { return nil }
        switch code {
        case .tooBig, .limit:
            return StanzaError.reply(to: root, type: "modify", condition: "policy-violation", text: why)
        default:
            return StanzaError.reply(to: root, type: "modify", condition: "bad-request", text: why)
        }
    }

    /// An iq that arrived while the writer's queue was full.
    public static func busy(_ iq: Element) -> Element {
        StanzaError.reply(to: iq, type: "wait", condition: "resource-constraint", text: "the push service is busy; try again")
    }
}
