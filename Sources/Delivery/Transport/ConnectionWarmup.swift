/// Holds requests off an HTTP/2 connection until its first response.
///
/// A server announces how many streams a connection may carry in its first
/// SETTINGS frame. Until curl has read that frame it assumes 100, so when a
/// new connection comes up every request waiting for one is stacked onto
/// it. A server with a lower limit (APNs allows one stream until a token
/// has been accepted) refuses the excess with REFUSED_STREAM, and libcurl
/// answers each refusal by giving up the connection and retrying on a new
/// one, where the same happens again: after five tries the requests fail.
///
/// So the first request to reach a new connection (the probe) goes alone;
/// others that curl puts on it before the probe's response arrives are
/// stopped before they send anything and held here. The probe's response
/// proves curl has read the SETTINGS frame (the server sends it first), and
/// the held requests go back to curl, which now respects the limit.
final class ConnectionWarmup {
    /// What a transfer about to send on a connection should do.
    enum Admission: Equatable {
        /// It is the first on a new connection: send, and report its response.
        case probe
        /// The connection has answered before: send.
        case proceed
        /// The connection's probe is still waiting: do not send; hold the request.
        case hold
    }

    /// A request waiting for a connection's first response.
    struct HeldRequest {
        let submission: TransportSubmission
        /// Monotonic milliseconds by which the request must have its answer.
        let deadline: Int
    }

    private enum State { case cold, warm }

    private var connections: [CurlConnectionKey: State] = [:]
    private var held: [CurlConnectionKey: [HeldRequest]] = [:]
    private var released: [HeldRequest] = []

    /// Called as a transfer is about to send its request on `key`.
    func admit(on key: CurlConnectionKey) -> Admission {
        switch connections[key] {
        case nil:
            connections[key] = .cold
            return .probe
        case .cold:
            return .hold
        case .warm:
            return .proceed
        }
    }

    /// A response arrived on `key`: the server's SETTINGS have been read.
    func answered(on key: CurlConnectionKey) {
        guard connections[key] == .cold else { return }
        connections[key] = .warm
        release(key)
    }

    /// The probe on `key` ended without a response; the next request to
    /// reach that connection becomes its probe.
    func probeFailed(on key: CurlConnectionKey) {
        guard connections[key] == .cold else { return }
        connections[key] = nil
        release(key)
    }

    /// The connection's socket closed.
    func closed(_ key: CurlConnectionKey) {
        connections[key] = nil
        release(key)
    }

    /// A request that was stopped for `key`'s probe: kept until the probe
    /// answers, or released at once if it already has.
    func hold(_ request: HeldRequest, behind key: CurlConnectionKey) {
        if connections[key] == .cold {
            held[key, default: []].append(request)
        } else {
            released.append(request)
        }
    }

    /// Requests free to go back to curl.
    func takeReleased() -> [HeldRequest] {
        defer { released.removeAll() }
        return released
    }

    /// Held requests whose deadline has passed.
    func takeExpired(now: Int) -> [HeldRequest] {
        var expired: [HeldRequest] = []
        for (key, requests) in held {
            let (late, waiting) = (requests.filter { $0.deadline <= now }, requests.filter { $0.deadline > now })
            guard !late.isEmpty else { continue }
            expired += late
            held[key] = waiting.isEmpty ? nil : waiting
        }
        return expired
    }

    /// Everything held or released, for cancelling at close.
    func takeAll() -> [HeldRequest] {
        let all = held.values.flatMap { $0 } + released
        held.removeAll()
        released.removeAll()
        return all
    }

    /// The earliest deadline among held requests.
    var nextDeadline: Int? { held.values.lazy.flatMap { $0 }.map(\.deadline).min() }

    /// True while requests are released and not yet taken back.
    var hasReleased: Bool { !released.isEmpty }

    /// True when nothing is held or released.
    var isEmpty: Bool { released.isEmpty && held.isEmpty }

    private func release(_ key: CurlConnectionKey) {
        if let requests = held.removeValue(forKey: key) { released += requests }
    }
}
