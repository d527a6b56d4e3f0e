import NudgeCore
import NudgeStore
import Synchronization

/// The delivery layer behind the engine's `Dispatcher` seam. It receives
/// each outbox job after its commit, sends it through the one HTTP/2
/// transport to the job's backend, and reports the vendor's verdict back
/// to the engine, which records it. It holds no durable state: a job that
/// is in flight when the process dies is still in the outbox and is sent
/// again at the next start (at least once).
public final class VendorDispatcher: Dispatcher, Sendable {
    private let transport: HTTPTransport
    /// By "vendor/app", the way registrations name their backend.
    private let backends: [String: any VendorBackend]
    private let report: DeliveryReport
    private let clock: any Clock
    private let shutdownGraceMs: Int
    private let state = Mutex(State())

    private struct State {
        /// A job is dispatched again when its timer fires twice (say, a
        /// retry scheduled while a copy is still in flight): send it once.
        var inFlight: Set<UInt64> = []
        /// Jobs waiting for their backend's credential (FCM's OAuth token);
        /// the first one to wait sends the one credential request.
        var waiting: [String: [DeliveryJob]] = [:]
    }

    /// The factory `Engine.open` takes: builds every configured backend,
    /// reading its key files, so a wrong path fails nudge_open with the
    /// key named.
    public static func factory(_ config: Config, clock: any Clock) -> DispatcherFactory {
        { log, report throws(EngineError) in
            try VendorDispatcher(config: config, log: log, clock: clock, report: report)
        }
    }

    init(config: Config, log: any EngineLog, clock: any Clock,
         report: @escaping DeliveryReport) throws(EngineError) {
        var backends: [String: any VendorBackend] = [:]
        for b in config.appServer.backends {
            backends[Self.key(b.vendor.rawValue, b.app)] = try VendorBackends.make(b) { log.log(.warn, $0) }
        }
        self.backends = backends
        self.report = report
        self.clock = clock
        self.shutdownGraceMs = config.appServer.shutdownGraceS * 1000
        do { transport = try HTTPTransport() } catch {
            throw EngineError(.noMemory, "cannot start the delivery thread: \(error.message)")
        }
    }

    private static func key(_ vendor: String, _ app: String) -> String { vendor + "/" + app }

    public func dispatch(_ job: DeliveryJob) {
        guard state.withLock({ $0.inFlight.insert(job.seq).inserted }) else { return }
        let key = Self.key(job.registration.vendor, job.registration.app)
        guard let backend = backends[key] else {
            return finish(job, .configError(reason: "no backend serves \(job.registration.vendor) app \(job.registration.app) any more"), httpStatus: nil)
        }
        guard let credential = backend.credentialRequest(now: clock.now()) else { return send(job, backend) }
        let first = state.withLock { s in
            s.waiting[key, default: []].append(job)
            return s.waiting[key]!.count == 1
        }
        guard first else { return }
        transport.send(withTrust(credential, backend)) { [self] answer in
            let failed = backend.credentialAnswer(answer, now: clock.now())
            let jobs = state.withLock { $0.waiting.removeValue(forKey: key) ?? [] }
            for waiting in jobs {
                // The push itself got no answer: the credential's status is not the vendor's word on it.
                if let failed { finish(waiting, failed, httpStatus: nil) } else { send(waiting, backend) }
            }
        }
    }

    /// The request is built on the transport thread: Web Push encrypts
    /// every message with a fresh key, and that must not hold up the
    /// engine's writer thread, which calls `dispatch` after its commits.
    private func send(_ job: DeliveryJob, _ backend: any VendorBackend) {
        transport.send(preparing: { [self] in
            switch backend.request(for: job, now: clock.now()) {
            case .failure(let outcome):
                finish(job, outcome, httpStatus: nil)
                return nil
            case .success(let request):
                return withTrust(request, backend)
            }
        }, completion: { [self] answer in
            finish(job, backend.classify(answer, job: job, now: clock.now()), httpStatus: try? answer.get().status)
        })
    }

    /// Tests and private endpoints trust their own CA through `ca_file`;
    /// the adapters need not know.
    private func withTrust(_ request: HTTPRequest, _ backend: any VendorBackend) -> HTTPRequest {
        var r = request
        if r.caFile == nil { r.caFile = backend.config.caFile }
        return r
    }

    /// `httpStatus`: the vendor's answer to this job's request, nil when
    /// none arrived, for the engine's counters.
    private func finish(_ job: DeliveryJob, _ outcome: DeliveryOutcome, httpStatus: Int?) {
        state.withLock { _ = $0.inFlight.remove(job.seq) }
        report(job, outcome, httpStatus)
    }

    public func shutdown() {
        transport.close(deadlineMs: shutdownGraceMs)
    }
}
