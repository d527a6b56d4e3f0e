import NudgeXMPP

/// What a host thread decides about an iq routed to the engine before it
/// reaches the writer: which iqs cost registration budget, and the replies
/// to those refused at once. Refusing here answers without a queue or a
/// commit, which is the point of refusing early.
public enum RoutedIQ {
    /// A register command with its form. The first step, asking for the
    /// form, costs nothing and is not counted.
    public static func isRegistration(_ iq: Element) -> Bool {
        guard iq[attribute: "type"] == "set", let command = iq.child("command", namespace: NS.commands),
              command[attribute: "node"]?.hasPrefix("register-push-") == true else { return false }
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

    /// An iq that arrived while the writer's queue was full.
    public static func busy(_ iq: Element) -> Element {
        StanzaError.reply(to: iq, type: "wait", condition: "resource-constraint", text: "the push service is busy; try again")
    }
}
