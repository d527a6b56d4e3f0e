import NudgeXMPP
import NudgeStore

/// Push 2.0 in the server side's state machine: what differs from
/// XEP-0357 once a registration is stored. Coalescing, summaries, wakes,
/// retries and disabling are the shared ones (ServerSide).
extension ServerSide {
    /// push2.markdown: a server MAY disable a push configuration whose
    /// service kept failing; it recommends no less than 72 hours.
    static let push2FailureLimitMs: Millis = 72 * 3_600_000

    /// The reason a registration pushes `held` for and, when it sends the
    /// stanza encrypted, the stanza cut to fit; nil when it pushes nothing.
    func push2Admit(_ key: EnableKey, _ record: EnableRecord, _ registration: Push2Registration, _ held: HeldStanza,
                    _ target: JID, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) -> (PushReason, String?)? {
        let user = target.bare
        let now = step.now
        let activeElsewhere = { (grace: UInt32) -> Bool in
            SessionActivity.elsewhere(held.activeAt, except: record.resource, grace: grace, now: now)
        }
        guard let match = registration.admit(held, user: user, activeElsewhere: activeElsewhere) else { return nil }
        // The user's own answer on another device is no call to ring for.
        let reason: PushReason = held.call?.ended == true && !Push2Registration.isVoIP(held.call, user: user) ? .other : held.reason
        guard case .encrypted = match.send, let stanza = held.stanza else { return (reason, nil) }
        guard let budget = Push2Notification.budget(registration, user: user, now: now) else { return (reason, nil) }
        guard let fitted = Push2Payload.fit(stanza, budget: budget) else {
            step.log(.warn, "push: a stanza for \(key.user) does not fit a Push 2.0 notification even cut; pushed without it")
            return (reason, nil)
        }
        return (reason, fitted)
    }

    /// Sends the notification of `s` to the registration's push service.
    func push2Publish(_ key: EnableKey, _ registration: Push2Registration, _ s: SummaryRecord, _ reason: PushReason,
                      attempt: Int, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        guard let user = try? JID(key.user) else { return }
        let id = newID()
        let message: Element
        do {
            message = try Push2Notification.message(id: id, user: user, registration, s, reason: reason, now: step.now)
        } catch {
            step.log(.error, "push: \(reason.rawValue) for \(key.user) not sent: \(error.message)")
            return
        }
        let timeout = step.now + Millis(config.server.publishTimeoutS) * 1000
        step.actions.append(.awaitAnswer(id: id, PublishInFlight(key: key, reason: reason, attempt: attempt, sentAt: step.now,
                                                                 service: registration.service, expectsAnswer: false)))
        step.actions.append(.schedule(.publishTimeout(id: id), at: timeout))
        if registration.failingSince != nil { step.actions.append(.schedule(.push2Quiet(key, sentAt: step.now), at: timeout)) }
        step.actions.append(.pushed(reason))
        step.send(message)
        step.log(.debug, "push: \(reason.rawValue) for \(key.user) sent to \(registration.service) (Push 2.0)")
    }

    /// Records a `wait` (or unreachable) error of the registration's push
    /// service; false when it has failed for 72 hours and was disabled.
    func push2StillFailing(_ key: EnableKey, _ condition: String, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) -> Bool {
        guard var record = try store.enable(key), var registration = record.push2 else { return false }
        let since = registration.failingSince ?? step.now
        guard step.now - since < Self.push2FailureLimitMs else {
            try remove(key, &step, store)
            let why = "push service \(registration.service) kept failing (\(condition)) for \(Self.push2FailureLimitMs / 3_600_000) hours"
            step.actions.append(.disabled(key, reason: why))
            step.log(.warn, "push: Push 2.0 disabled for \(key.user), client \(Redact.token(key.node)): \(why)")
            return false
        }
        registration.failingSince = since
        registration.lastErrorAt = step.now
        record.push2 = registration
        try store.putEnable(key, record)
        return true
    }

    /// No error came for a notification sent while the service was
    /// failing: it works again, and the 72 hours start over.
    func push2Quiet(_ key: EnableKey, sentAt: Millis, _ step: inout Step, _ store: any StoreWriter) throws(StoreError) {
        guard var record = try store.enable(key), var registration = record.push2, registration.failingSince != nil,
              (registration.lastErrorAt ?? .min) < sentAt else { return }
        registration.failingSince = nil
        registration.lastErrorAt = nil
        record.push2 = registration
        try store.putEnable(key, record)
        step.log(.info, "push: \(registration.service) takes Push 2.0 notifications for \(key.user) again")
    }
}
