import NudgeXMPP
import NudgeStore

/// An event the sans-IO core reacts to. The runtime turns host calls and
/// timers into these; the core answers with `CoreAction`s.
public enum CoreInput: Sendable {
    /// An iq routed to the engine (enable, disable, disco#info, anything
    /// else to be refused). `from` has been checked to be a valid JID.
    case iq(Element)
    /// The answer to a publish the core asked the host to send.
    case publishAnswer(Element, PublishInFlight)
    case sessionOnline(JID)
    case sessionPending(JID)
    case sessionResumed(JID)
    case sessionClosed(JID)
    /// A classified stanza for `target` (a full JID: that session's
    /// enablements; a bare JID: all of the user's).
    case held(target: JID, HeldStanza)
    case timer(TimerKey)
    /// After open: forget sessions of the previous process; pending ones
    /// are woken by `.restartWakes` timers.
    case startup(bootTime: Millis)
    case adminRemove(user: JID, service: String, node: String)
    case adminTestPush(user: JID)
    /// The delivery layer's verdict on an outbox job.
    case deliveryFinished(seq: UInt64, revision: UInt32, DeliveryOutcome)
    case adminUnregister(node: String)
    /// The account was deleted: forget everything kept for it.
    case userRemoved(JID)
    /// A Push 2.0 notification message to the app server's pubsub host.
    case push2Notification(Element)
}

/// What the core wants done. Applied by the runtime only after the store
/// transaction that produced them has committed (the durability rule).
public enum CoreAction: Sendable {
    /// Route a stanza (a reply, or a publish to a remote app server).
    case send(Element)
    /// Push was disabled for an enablement by the engine itself.
    case disabled(EnableKey, reason: String)
    case log(LogLevel, String)
    case schedule(TimerKey, at: Millis)
    /// A publish is on its way to a remote app server; its answer will
    /// come back through `nudge_handle_stanza` with this id.
    case awaitAnswer(id: String, PublishInFlight)
    /// Keep the host-thread index of push-enabled resources in step with
    /// the enablement just committed; the index takes from the record what
    /// the host's threads decide by (EnabledIndex).
    case indexAdd(EnableKey, EnableRecord)
    case indexRemove(EnableKey)
    case pushed(PushReason)
    case publishFailed(kind: String)
    /// The result of an admin command, as the JSON reply's fields.
    case adminResult(JSONObject)
    /// An outbox job is due: hand it to the delivery layer.
    case dispatch(DeliveryJob)
    case delivered(UInt8)
    /// The undelivered job of a device, so later summaries for it replace
    /// its payload instead of queueing another push (nil: none any more).
    case pendingJob(node: String, seq: UInt64?)
}

/// A publish sent to a remote app server and not answered yet.
public struct PublishInFlight: Sendable, Equatable {
    public var key: EnableKey
    public var reason: PushReason
    public var attempt: Int
    public var sentAt: Millis
    /// The JID it was sent to: only that JID's answer counts.
    public var service: String
    /// An iq is answered; a Push 2.0 notification (a message) only ever
    /// gets an error, so silence until the timeout is no failure.
    public var expectsAnswer: Bool

    public init(key: EnableKey, reason: PushReason, attempt: Int, sentAt: Millis, service: String? = nil, expectsAnswer: Bool = true) {
        self.key = key
        self.reason = reason
        self.attempt = attempt
        self.sentAt = sentAt
        self.service = service ?? key.service
        self.expectsAnswer = expectsAnswer
    }
}

/// Timers, owned by the runtime's writer thread. A timer carries only
/// what identifies its subject; when it fires, the core checks the store
/// to see whether it still applies, so stale timers are harmless and need
/// no cancelling.
public enum TimerKey: Hashable, Sendable {
    case followUp(EnableKey)
    case wake(fullJID: String)
    case retry(EnableKey, reason: PushReason, attempt: Int)
    case publishTimeout(id: String)
    case restartWakes
    /// An outbox job's `notBefore` has come.
    case deliver(seq: UInt64)
    /// A Push 2.0 notification sent at `sentAt` to a failing push service
    /// drew no error within the publish timeout: the service works again.
    case push2Quiet(EnableKey, sentAt: Millis)
}
