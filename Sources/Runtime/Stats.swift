import NudgeCore
import NudgeXMPP

/// Counters for nudge_stats_json(). One lock is plenty: counting happens
/// once per push, vendor answer or error, not per byte.
///
/// Every label value is one of a fixed set (see `Labels`): figures end up
/// as metric labels in the hosts, and a value taken from remote input (an
/// app server's error type) would let a peer create labels without bound.
final class Stats: @unchecked Sendable {
    private let monitor = Monitor()
    private var pushes: [String: Int] = [:]
    private var errors: [String: Int] = [:]
    private var held: [String: Int] = [:]
    /// By vendor, verdict and HTTP status label.
    private var answers: [String: [String: [String: Int]]] = [:]
    private var retries: [String: Int] = [:]
    private var latency = LatencyHistogram()
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
    /// A publish that failed; `kind` may be an app server's error type.
    func publishFailed(_ kind: String) { error("publish_" + Labels.publishFailure(kind)) }
    func held(_ outcome: String) { monitor.locked { held[outcome, default: 0] += 1 } }
    /// A publish retried after the app server asked to wait or could not be reached.
    func publishRetried() { monitor.locked { retries["publish", default: 0] += 1 } }

    /// A vendor's answer (or the transport's failure) as the delivery
    /// layer classified it, with the answer's HTTP status (nil: none
    /// arrived); `latencyMs`, the stanza-to-vendor latency, is set for a
    /// delivered job.
    func vendorAnswered(vendor: String, _ outcome: DeliveryOutcome, httpStatus: Int?, latencyMs: Millis?) {
        let verdict = Labels.verdict(outcome)
        let status = Labels.httpStatus(httpStatus)
        monitor.locked {
            answers[Labels.vendor(vendor), default: [:]][verdict, default: [:]][status, default: 0] += 1
            if verdict == "retry" { retries["delivery", default: 0] += 1 }
            if let latencyMs { latency.observe(latencyMs) }
        }
    }

    func sessionPending(_ jid: String, _ isPending: Bool) {
        monitor.locked { if isPending { pending.insert(jid) } else { pending.remove(jid) } }
    }

    var pendingCount: Int { monitor.locked { pending.count } }

    var deliveredCount: Int { monitor.locked { deliveries } }

    struct Snapshot {
        var pushes, errors, held, vendorAnswers, retries, latency: JSONObject
    }

    func snapshot() -> Snapshot {
        monitor.locked {
            var byVendor = JSONObject()
            for (vendor, verdicts) in answers.sorted(by: { $0.key < $1.key }) {
                var byVerdict = JSONObject()
                for (verdict, counts) in verdicts.sorted(by: { $0.key < $1.key }) { byVerdict[verdict] = .object(object(counts)) }
                byVendor[vendor] = .object(byVerdict)
            }
            return Snapshot(pushes: object(pushes), errors: object(errors), held: object(held),
                            vendorAnswers: byVendor, retries: object(retries), latency: latency.json)
        }
    }

    private func object(_ d: [String: Int]) -> JSONObject {
        var o = JSONObject()
        for (k, v) in d.sorted(by: { $0.key < $1.key }) { o[k] = .number(Double(v)) }
        return o
    }
}

/// The fixed label sets; anything else becomes "other".
enum Labels {
    static let vendors: Set<String> = ["apns", "fcm", "webpush", "wns", "ubports"]
    static let verdicts = ["delivered", "retry", "token_gone", "rejected", "config_error"]
    /// The engine's own failure kinds, and XMPP's error types (RFC 6120 8.3.2).
    static let publishFailures: Set<String> = ["stale", "gave_up", "rejected", "config", "route", "timeout",
                                               "auth", "cancel", "continue", "modify", "wait"]

    static func vendor(_ name: String) -> String {
        if name == "ubuntu" { return "ubports" }   // the store's name for UBports' push service
        return vendors.contains(name) ? name : "other"
    }

    static func publishFailure(_ kind: String) -> String { publishFailures.contains(kind) ? kind : "other" }

    /// Every status a vendor documents with a meaning of its own
    /// (/work/shared/VENDORS.md: APNs, FCM, Web Push, WNS, UBports); the
    /// rest fall into their class, so a peer cannot mint labels.
    static let httpStatuses: Set<Int> = [200, 201, 400, 401, 403, 404, 406, 410, 413, 429, 500, 503]

    /// The status label: a documented status, `other_2xx` … `other_5xx`,
    /// `other` (outside 200–599), or `none` when no HTTP answer arrived.
    static func httpStatus(_ status: Int?) -> String {
        guard let status else { return "none" }
        if httpStatuses.contains(status) { return String(status) }
        return (200..<600).contains(status) ? "other_\(status / 100)xx" : "other"
    }

    static func verdict(_ outcome: DeliveryOutcome) -> String {
        switch outcome {
        case .delivered: return "delivered"
        case .retry: return "retry"
        case .tokenGone: return "token_gone"
        case .rejected: return "rejected"
        case .configError: return "config_error"
        }
    }
}

/// Time from the stanza behind a push reaching the engine (the held
/// message; for a remote server's publish, its acceptance) to the vendor's
/// acceptance, in fixed buckets so that every host can show it as a
/// histogram.
struct LatencyHistogram {
    /// Upper bounds in milliseconds; a last, implicit bucket is +Inf.
    static let boundsMs: [Millis] = [100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000]
    private var counts = [Int](repeating: 0, count: boundsMs.count + 1)
    private var sumMs: Millis = 0
    private var count = 0

    mutating func observe(_ ms: Millis) {
        counts[Self.boundsMs.firstIndex { ms <= $0 } ?? Self.boundsMs.count] += 1
        sumMs += ms
        count += 1
    }

    /// {"bounds_ms": [...], "buckets": [cumulative counts, one per bound], "count", "sum_ms"}
    var json: JSONObject {
        var running = 0
        let cumulative = counts.dropLast().map { c -> JSON in running += c; return .number(Double(running)) }
        return ["bounds_ms": .array(Self.boundsMs.map { .number(Double($0)) }), "buckets": .array(cumulative),
                "count": .number(Double(count)), "sum_ms": .number(Double(sumMs))]
    }
}
