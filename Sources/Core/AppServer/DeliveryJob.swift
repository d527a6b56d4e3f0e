import NudgeXMPP
import NudgeStore

/// One notification to hand to a vendor: the outbox job and what the
/// registration says about the device, read in the same transaction.
public struct DeliveryJob: Sendable {
    public var seq: UInt64
    public var node: String
    public var registration: RegRecord
    /// What the published notification says, read when it was accepted.
    public var summary: PushSummary
    public var priority: Priority
    public var attempt: Int
    public var createdAt: Millis
    /// When the stanza behind the push reached the engine (OutboxRecord.stanzaAt).
    public var stanzaAt: Millis
    /// The outbox job's revision when it was dispatched.
    public var revision: UInt32 = 0

    public init(seq: UInt64, node: String, registration: RegRecord, summary: PushSummary, priority: Priority,
                attempt: Int, createdAt: Millis, stanzaAt: Millis, revision: UInt32 = 0) {
        self.seq = seq
        self.node = node
        self.registration = registration
        self.summary = summary
        self.priority = priority
        self.attempt = attempt
        self.createdAt = createdAt
        self.stanzaAt = stanzaAt
        self.revision = revision
    }
}

/// What a vendor's answer means for the job: each adapter classifies
/// every status and reason of its vendor into one of these.
public enum DeliveryOutcome: Error, Sendable, Equatable {
    case delivered
    /// Try again later; `afterMs` is the vendor's Retry-After, if any.
    case retry(afterMs: Millis?, reason: String)
    /// The device token is no longer valid. `vendorTimestamp` (APNs 410)
    /// tells when the vendor learned it, so a newer registration is kept.
    case tokenGone(vendorTimestamp: Millis?, reason: String)
    /// The vendor refused this notification for good (a bug on our side
    /// or a payload it will never take): drop it, keep the registration.
    case rejected(reason: String)
    /// Our credentials or configuration are wrong: drop, and tell the
    /// operator loudly.
    case configError(reason: String)
}

/// The delivery layer, seen from the engine: it takes jobs after their
/// commit and answers each with `Engine.deliveryFinished`. Defined here so
/// that dependencies point downwards (layer 5 implements layer 4's seam).
public protocol Dispatcher: AnyObject, Sendable {
    func dispatch(_ job: DeliveryJob)
    /// Lets in-flight deliveries finish up to a deadline; called by
    /// nudge_close() before the store is closed.
    func shutdown()
}

/// How the delivery layer reports a job's outcome: the job, its verdict
/// and the HTTP status of the vendor's answer (nil when none arrived).
public typealias DeliveryReport = @Sendable (_ job: DeliveryJob, _ outcome: DeliveryOutcome, _ httpStatus: Int?) -> Void

/// Makes the delivery layer for an engine: it gets the engine's log and
/// a closure to report each job's outcome.
public typealias DispatcherFactory = @Sendable (_ log: any EngineLog, _ report: @escaping DeliveryReport) throws(EngineError) -> any Dispatcher

/// Logging for layers above the engine, through the same event queue.
public protocol EngineLog: Sendable {
    func log(_ level: LogLevel, _ text: String)
}
