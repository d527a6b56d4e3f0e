/// Why a push is sent. Its raw value appears in stats, logs and the
/// outbox, so keep it stable.
public enum PushReason: String, Sendable, CaseIterable {
    case message, encrypted, call, subscription, mention
    /// Anything else, pushed only with `notify_on: all`.
    case other
    /// A push summarising what arrived during the coalescing window.
    case followUp = "follow-up"
    /// One push per session that was pending when the host stopped, so
    /// the client starts a new stream instead of trying to resume.
    case restartWake = "restart-wake"
    /// One push shortly before a pending session's timeout ends.
    case timeoutWake = "timeout-wake"
    /// Asked for by an administrator.
    case test

    /// A push for stanzas the user got, rather than a wake or a test.
    var isStanzaCaused: Bool {
        switch self {
        case .message, .encrypted, .call, .subscription, .mention, .other, .followUp: return true
        case .restartWake, .timeoutWake, .test: return false
        }
    }

    /// The `last-message-priority` value of the summary form (the field
    /// Prosody's mod_cloud_notify sends): calls must ring now; everything
    /// else may be delivered at the vendor's convenience.
    var priority: Priority {
        switch self {
        case .call: return .high
        case .message, .encrypted, .mention, .followUp, .other, .test: return .normal
        case .subscription, .restartWake, .timeoutWake: return .low
        }
    }
}

public enum Priority: UInt8, Sendable {
    case low = 0, normal = 1, high = 2
    var formValue: String {
        switch self {
        case .low: return "low"
        case .normal: return "normal"
        case .high: return "high"
        }
    }
}
