import NudgeXMPP

/// Counters for nudge_stats_json(). One lock is plenty: counting happens
/// once per push or per error, not per byte.
final class Stats: @unchecked Sendable {
    private let monitor = Monitor()
    private var pushes: [String: Int] = [:]
    private var errors: [String: Int] = [:]
    private var held: [String: Int] = [:]
    private var pending: Set<String> = []
    private var deliveries = 0

    func pushed(_ reason: PushReason) { monitor.locked { pushes[reason.rawValue, default: 0] += 1 } }
    /// A notification a vendor accepted.
    func pushed(_ reason: PushReason?, delivered: Bool) {
        monitor.locked {
            if let reason { pushes[reason.rawValue, default: 0] += 1 }
            if delivered { deliveries += 1 }
        }
    }
    func error(_ kind: String) { monitor.locked { errors[kind, default: 0] += 1 } }
    func held(_ outcome: String) { monitor.locked { held[outcome, default: 0] += 1 } }

    func sessionPending(_ jid: String, _ isPending: Bool) {
        monitor.locked { if isPending { pending.insert(jid) } else { pending.remove(jid) } }
    }

    var pendingCount: Int { monitor.locked { pending.count } }

    var deliveredCount: Int { monitor.locked { deliveries } }

    func snapshot() -> (pushes: JSONObject, errors: JSONObject, held: JSONObject) {
        monitor.locked {
            func object(_ d: [String: Int]) -> JSONObject {
                var o = JSONObject()
                for (k, v) in d.sorted(by: { $0.key < $1.key }) { o[k] = .number(Double(v)) }
                return o
            }
            return (object(pushes), object(errors), object(held))
        }
    }
}
