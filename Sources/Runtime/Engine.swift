import NudgeCore
import NudgeXMPP
import NudgeStore
import Synchronization

/// The library's version; nudge_version() reports it.
public enum Version {
    public static let major: Int32 = 0, minor: Int32 = 1, patch: Int32 = 0
    public static let string = "\(major).\(minor).\(patch)"
}

/// A running engine: the core, its writer thread, the store and the event
/// queue, behind the calls of nudge.h. Every method may be called from any
/// thread. Host threads parse, classify and filter; only the writer thread
/// writes, so no host thread waits on disk.
public final class Engine: Sendable {
    public let config: Config
    let output: EngineOutput
    let store: any Store
    /// The store the engine opened and closes (LMDB or PostgreSQL), for
    /// admin verify and backup; nil for a store the caller owns.
    let owned: (any OwnedStore)?
    private let writer: Writer
    private let classifier: Classifier
    private let limits: XMLLimits
    private let recent = Mutex(RecentStanzas())
    private let nicks = Mutex(RoomNicks())
    private let activity = Mutex(ActivityTable())
    private let registrations: Mutex<RegistrationBudget>
    private let clock: any Clock
    private let closed = Atomic<Bool>(false)
    /// Set once the writer has stopped. Between close() and this, the host
    /// may no longer call in, but the vendors' answers to deliveries in
    /// flight are still recorded (appserver.shutdown_grace_s).
    private let writerStopped = Atomic<Bool>(false)
    /// The process generation the engine was opened in (ForkGeneration).
    private let generation = ForkGeneration.current()
    /// The other nodes' news, on a PostgreSQL store (set once, at open).
    nonisolated(unsafe) private var nodeLink: NodeLink?

    /// Opens the store named by the configuration (LMDB or PostgreSQL).
    /// `delivery` makes the delivery layer; it reports each job's outcome
    /// through the closure it is given.
    public static func open(_ config: Config, clock: any Clock = SystemClock(),
                            delivery: DispatcherFactory? = nil) throws(EngineError) -> Engine {
        let (store, storeWarnings) = try StoreOpening.open(config)
        let engine = try Engine(config: config, store: store, owned: store, clock: clock, delivery: delivery)
        // Once per open: a check of the configuration alone (nudge_check_config,
        // nudge_info) says nothing, so that a host that checks and then
        // opens hears of each old key once.
        for warning in config.warnings + storeWarnings { engine.output.log(.warn, "configuration: \(warning)") }
        if let postgresql = store as? PostgreSQLStore {
            engine.output.log(.info, "store: PostgreSQL database \(postgresql.label), node \(postgresql.nodeID)")
            let link = NodeLink()
            link.engine = engine
            engine.nodeLink = link
            let clock = engine.clock
            do { try postgresql.follow(link, now: { clock.now() }) } catch {
                engine.close()
                throw EngineError(.store, "store.url: \(error.message)")
            }
            // Listening now; what another node changed between the index's
            // first reading and the LISTEN is read again.
            link.missedChanges()
        }
        let report = store.openReport
        if report.previousShutdownClean == false {
            engine.output.log(.warn, "store: the previous process did not stop cleanly; every page and record was verified and nothing acknowledged was lost")
        }
        if report.markerAdded {
            engine.output.log(.info, "store: \(config.store.path) had no nudge-store marker (written by an older Nudge); added one, so that a lost data.mdb is reported from now on")
        }
        if report.staleReadersCleared > 0 {
            engine.output.log(.info, "store: cleared \(report.staleReadersCleared) stale reader slot(s) left by a dead process")
        }
        return engine
    }

    /// An engine on any store: how the tests run it on memory.
    public init(config: Config, store: any Store, owned: (any OwnedStore)? = nil, clock: any Clock,
                random: any RandomNumberGenerator = SystemRandomNumberGenerator(),
                delivery: DispatcherFactory? = nil) throws(EngineError) {
        self.config = config
        self.store = store
        self.owned = owned
        self.clock = clock
        self.registrations = Mutex(RegistrationBudget(capacity: config.appServer.registrationsPerHour, period: 3_600_000))
        self.classifier = Classifier(notifyOn: config.server.notifyOn)
        self.limits = XMLLimits(maxBytes: config.limits.maxStanzaBytes, maxDepth: config.limits.maxDepth,
                                maxAttributes: config.limits.maxAttributes)
        let output = try EngineOutput(config: config)
        self.output = output

        // The index and the timers are derived from the store, so a crash
        // loses neither.
        var timers: [(TimerKey, Millis)] = []
        do {
            try store.read { r in
                try r.forEachEnable { key, record in
                    output.index.add(key, record: record)
                    return true
                }
                try r.forEachSummary { key, summary in
                    if let at = summary.followUpAt { timers.append((.followUp(key), at)) }
                    return true
                }
                // At least once across restarts: every job still in the
                // outbox is sent again, even one that was in flight.
                try r.forEachOutbox { seq, job in
                    timers.append((.deliver(seq: seq), job.notBefore))
                    return true
                }
            }
        } catch {
            throw EngineError(.store, "\(config.store.backend == .lmdb ? "store.path" : "store.url"): cannot read the store: \(error)")
        }
        writer = Writer(core: ServerSide(config: config, random: random), store: store, clock: clock,
                        sink: output, maxQueue: config.limits.maxQueue)
        if let delivery {
            let reporter = DeliveryReporter()
            output.dispatcher = try delivery(output, reporter.report)
            reporter.engine = self
        }
        _ = writer.submit(Command(input: .startup(bootTime: clock.now())))
        do { try writer.start(initialTimers: timers) } catch {
            throw EngineError(.noMemory, "cannot start the writer thread (error \(error.code))")
        }
    }

    /// Lets the writer commit everything accepted, marks a clean shutdown
    /// and releases the store. Idempotent.
    public func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        // Deliveries in flight get their chance to finish and be recorded;
        // whatever is left stays in the outbox for the next start.
        output.dispatcher?.shutdown()
        writer.stop()
        writerStopped.store(true, ordering: .releasing)
        owned?.close(markClean: true)
    }

    deinit { close() }

    /// False in a child process after fork(): the engine's threads stayed
    /// in the parent and its locks may be copied held, so the ABI refuses
    /// every call with NUDGE_EFORKED instead of touching them.
    @inline(__always) public var ownedByThisProcess: Bool { ForkGeneration.now == generation }

    var isOpen: Bool { !closed.load(ordering: .acquiring) }

    // MARK: stanzas routed to the engine

    public func handleStanza(_ bytes: UnsafeRawBufferPointer) -> ResultCode {
        guard isOpen else { return .invalid }
        let stanza: Element
        switch parse(bytes, "routed stanza") {
        case .failure(let code):
            // The sender hears why, in the same words on every host.
            if let root = XMLParser.rootStartTag(bytes),
               let reply = RoutedIQ.unreadable(root, code, Self.unreadableText(code, limits)) {
                output.apply(.send(reply))
            }
            return code
        case .success(let e): stanza = e
        }
        if stanza.name == "message" {
            if stanza[attribute: "type"] == "error" { return push2Answer(stanza) }
            guard let host = config.appServer.pubsubHost, stanza.child("notification", namespace: NS.push2) != nil,
                  let to = stanza[attribute: "to"].flatMap({ try? JID($0) }), to.local == nil, to.domain == host else { return .notFor }
            return submit(.push2Notification(stanza), orRefuse: nil)
        }
        guard stanza.name == "iq" else { return .notFor }
        let from = stanza[attribute: "from"]
        if let from, (try? JID(from)) == nil {
            output.log(.info, "routed iq refused: 'from' is not a valid JID")
            output.stats.error("bad_jid")
            return .jid
        }
        switch stanza[attribute: "type"] {
        case "result", "error":
            guard let id = stanza[attribute: "id"], let from,
                  let flight = output.inflight.take(id, answeredBy: from) else { return .notFor }
            return submit(.publishAnswer(stanza, flight), orRefuse: nil)
        case "get", "set":
            if RoutedIQ.isRegistration(stanza), let from, let user = try? JID(from),
               !registrations.withLock({ $0.allow(user.bare.description, now: clock.now()) }) {
                output.stats.error("registration_rate")
                output.log(.info, "push: registration by \(user.bare) refused: more than \(config.appServer.registrationsPerHour) per hour")
                output.apply(.send(RoutedIQ.overBudget(stanza)))
                return .ok
            }
            return submit(.iq(stanza), orRefuse: stanza)
        default:
            output.apply(.send(RoutedIQ.badType(stanza)))
            return .ok
        }
    }

    /// A push service's error for a Push 2.0 notification (a message
    /// with the id the engine gave it, from the JID it went to); any other
    /// message is not the engine's.
    private func push2Answer(_ message: Element) -> ResultCode {
        guard message[attribute: "type"] == "error", let id = message[attribute: "id"], let from = message[attribute: "from"],
              let flight = output.inflight.take(id, answeredBy: from) else { return .notFor }
        return submit(.publishAnswer(message, flight), orRefuse: nil)
    }

    /// What the sender of an unreadable iq is told: the limit it crossed,
    /// not the parser's details, which go to the log.
    private static func unreadableText(_ code: ResultCode, _ limits: XMLLimits) -> String {
        switch code {
        case .tooBig: return "the stanza is larger than \(limits.maxBytes) bytes (limits.max_stanza_bytes)"
        case .limit: return "the stanza is nested deeper or has more attributes than the server allows (limits.max_depth, limits.max_attributes)"
        default: return "the stanza is not well-formed XML, or holds what XMPP forbids"
        }
    }

    // MARK: sessions

    public func sessionOnline(_ jid: String) -> ResultCode { session(jid, CoreInput.sessionOnline, pending: false) }
    public func sessionResumed(_ jid: String) -> ResultCode { session(jid, CoreInput.sessionResumed, pending: false) }
    public func sessionClosed(_ jid: String) -> ResultCode {
        if isOpen, let full = try? JID(jid), let resource = full.resource {
            activity.withLock { $0.forget(user: full.bare.description, resource: resource) }
        }
        return session(jid, CoreInput.sessionClosed, pending: false)
    }

    /// Returns the hibernation timeout the host should use (0: its own).
    public func sessionPending(_ jid: String) -> (ResultCode, UInt32) {
        guard let full = fullJID(jid) else { return (.jid, 0) }
        guard output.index.isEnabled(user: full.bare.description, resource: full.resource) else { return (.ok, 0) }
        let code = session(jid, CoreInput.sessionPending, pending: true)
        return (code, code == .ok ? UInt32(config.server.pendingTimeoutS) : 0)
    }

    private func session(_ jid: String, _ input: (JID) -> CoreInput, pending: Bool) -> ResultCode {
        guard isOpen else { return .invalid }
        guard let full = fullJID(jid) else { return .jid }
        output.stats.sessionPending(full.description, false)
        // Sessions of users without push need no record at all.
        guard output.index.isEnabled(user: full.bare.description, resource: nil) else { return .ok }
        let code = submit(input(full), orRefuse: nil)
        if pending && code == .ok { output.stats.sessionPending(full.description, true) }
        return code
    }

    /// Should the host report the messages the user's sessions send?
    /// Memory only, and while no enablement has a grace period, before
    /// the JID is parsed: the host asks for every message its users send.
    public func wantsSessionActivity(user: String) -> Result<Bool, ResultCode> {
        guard isOpen else { return .failure(.invalid) }
        guard output.index.anyWantsGrace else { return .success(false) }
        guard let target = try? JID(user), target.local != nil else { return .failure(.jid) }
        return .success(output.index.wantsGrace(user: target.bare.description))
    }

    /// A message the session `jid` sent: noted, in memory, when it shows
    /// the user at that device and a grace period of the user asks.
    public func sessionActivity(_ jid: String, _ bytes: UnsafeRawBufferPointer) -> ResultCode {
        guard isOpen else { return .invalid }
        guard let full = fullJID(jid), let resource = full.resource else { return .jid }
        let user = full.bare.description
        guard output.index.wantsGrace(user: user) else { return .ok }
        let message: Element
        switch parse(bytes, "message sent by \(full)") {
        case .failure(let code): return code
        case .success(let e): message = e
        }
        guard SessionActivity.showsUser(message) else { return .ok }
        let now = clock.now()
        activity.withLock { $0.note(user: user, resource: resource, at: now) }
        return .ok
    }

    private func fullJID(_ text: String) -> JID? {
        guard let jid = try? JID(text), jid.local != nil, jid.resource != nil else {
            output.log(.info, "session call refused: \"\(text.prefix(64))\" is not a full JID")
            output.stats.error("bad_jid")
            return nil
        }
        return jid
    }

    public func setRoomNick(user: String, room: String, nick: String?) -> ResultCode {
        guard let u = try? JID(user), u.local != nil, let r = try? JID(room), r.local != nil else { return .jid }
        if let nick, nick.isEmpty { return .invalid }
        nicks.withLock { $0.set(user: u.bare.description, room: r.bare.description, nick: nick) }
        return .ok
    }

    // MARK: held stanzas (the hot path)

    public static let heldQueued: UInt32 = 0x1, heldOffline: UInt32 = 0x2, heldArchived: UInt32 = 0x4
    /// The sender's roster state, OR'ed into the where of a held stanza.
    public static let heldFromContact: UInt32 = 0x10, heldFromStranger: UInt32 = 0x20

    /// Should the host say whether the sender of a stanza held for `user`
    /// is in the user's roster? Memory only.
    public func wantsSenderRoster(user: String) -> Result<Bool, ResultCode> {
        guard isOpen else { return .failure(.invalid) }
        // The host asks for every stanza it holds: where no enablement
        // ignores unknown senders (most servers), answer before parsing.
        guard output.index.anyIgnoresUnknown else { return .success(false) }
        guard let target = try? JID(user), target.local != nil else { return .failure(.jid) }
        return .success(output.index.wantsSenderRoster(user: target.bare.description, resource: target.resource))
    }

    public func stanzaHeld(user: String, _ bytes: UnsafeRawBufferPointer, flags allFlags: UInt32) -> ResultCode {
        guard isOpen else { return .invalid }
        let roster = allFlags & (Self.heldFromContact | Self.heldFromStranger)
        let flags = allFlags & ~roster
        guard flags == Self.heldQueued || flags == Self.heldOffline || flags == Self.heldArchived,
              roster != Self.heldFromContact | Self.heldFromStranger else { return .invalid }
        guard let target = try? JID(user), target.local != nil else {
            output.log(.info, "held stanza refused: \"\(user.prefix(64))\" is not a user's JID")
            output.stats.error("bad_jid")
            return .jid
        }
        let queued = flags == Self.heldQueued
        if queued && target.resource == nil { return .jid }
        let bare = target.bare.description
        let resource = queued ? target.resource : nil
        // Most stanzas are for users without push: decide that first,
        // from memory, before parsing anything.
        guard output.index.isEnabled(user: bare, resource: resource) else {
            output.stats.held("not_enabled")
            return .ok
        }
        let stanza: Element
        switch parse(bytes, "held stanza for \(bare)") {
        case .failure(let code): return code
        case .success(let e): stanza = e
        }
        let roomNick = nicks.withLock { $0.nick(for: stanza, user: bare) }
        let wants = output.index.wants(user: bare, resource: resource)
        guard var held = classifier.classify(stanza, user: target.bare, roomNick: roomNick, wants: wants,
                                             archivedByHost: flags == Self.heldArchived) else {
            output.stats.held("not_important")
            return .ok
        }
        held.fromStranger = Self.fromStranger(roster, stanza, held, user: target.bare)
        if wants.grace {
            let now = clock.now()
            held.activeAt = activity.withLock { $0.recent(user: bare, now: now) }
        }
        let key = RecentStanzas.key(user: bare, resource: resource, held)
        guard recent.withLock({ $0.firstSighting(key) }) else {
            output.stats.held("duplicate")
            return .ok
        }
        let code = submit(.held(target: queued ? target : target.bare, held), orRefuse: nil)
        if code == .ok { output.stats.held("accepted") } else { recent.withLock { $0.forget(key) } }
        return code
    }

    /// What the host said of the sender's roster state, for the sender
    /// the push names: the host looks up the stanza's `from`, which is not
    /// the sender for a carbon copy (the user's own JID) or a MucSub event
    /// (the room); those, and the user's own messages, count as known.
    private static func fromStranger(_ roster: UInt32, _ stanza: Element, _ held: HeldStanza, user: JID) -> Bool? {
        guard roster != 0 else { return nil }
        let from = stanza[attribute: "from"].flatMap { try? JID($0) }?.bare
        let sender = held.sender.flatMap { try? JID($0) }?.bare
        guard let from, from == sender, from != user.bare else { return false }
        return roster == heldFromStranger
    }

    // MARK: events

    public var eventFD: Int32 { output.events.fd }
    public func nextEvent() -> Event? { output.events.pop() }

    // MARK: plumbing

    private func parse(_ bytes: UnsafeRawBufferPointer, _ what: String) -> Result<Element, ResultCode> {
        do {
            return .success(try XMLParser.parse(bytes, limits: limits))
        } catch {
            let code: ResultCode
            switch error.kind {
            case .tooLarge: code = .tooBig
            case .malformed, .forbidden: code = .xml
            case .tooDeep, .tooManyAttributes, .outOfMemory: code = .limit
            }
            output.log(.warn, "\(what) refused: \(error.message)")
            output.stats.error(code == .tooBig ? "stanza_too_big" : code == .xml ? "bad_xml" : "stanza_limit")
            return .failure(code)
        }
    }

    /// Hands an input to the writer. When its queue is full, an iq gets a
    /// resource-constraint error at once instead of waiting.
    func submit(_ input: CoreInput, orRefuse iq: Element?, completion: (@Sendable (Result<JSONObject, StoreError>) -> Void)? = nil) -> ResultCode {
        guard writer.submit(Command(input: input, completion: completion)) else {
            output.stats.error("queue_full")
            output.log(.warn, "engine queue full (limits.max_queue = \(config.limits.maxQueue)); a request was refused")
            if let iq {
                output.apply(.send(RoutedIQ.busy(iq)))
            }
            return .busy
        }
        return .ok
    }

    /// Runs an input and waits for its commit: for admin commands only.
    func submitAndWait(_ input: CoreInput) -> Result<JSONObject, EngineError> {
        let done = Completion<Result<JSONObject, StoreError>>()
        guard submit(input, orRefuse: nil, completion: { done.fulfil($0) }) == .ok else {
            return .failure(EngineError(.busy, "the engine's queue is full"))
        }
        return done.wait().mapError { EngineError($0.kind == .full ? .full : .store, $0.message) }
    }

    /// The delivery layer's verdict on a job, from its thread, with the
    /// status of the vendor's HTTP answer (nil when none arrived: a
    /// connection, TLS or timeout failure, or a request never sent).
    public func deliveryFinished(_ job: DeliveryJob, _ outcome: DeliveryOutcome, httpStatus: Int?) {
        guard !writerStopped.load(ordering: .acquiring) else { return }
        let latency = outcome == .delivered ? max(0, clock.now() - job.stanzaAt) : nil
        output.stats.vendorAnswered(vendor: job.registration.vendor, outcome, httpStatus: httpStatus, latencyMs: latency)
        if submit(.deliveryFinished(seq: job.seq, revision: job.revision, outcome), orRefuse: nil) != .ok {
            output.log(.warn, "push: the outcome of delivery \(job.seq) could not be recorded now; it will be sent again")
        }
    }

    func read<R>(_ body: (any StoreReader) throws -> R) throws -> R { try store.read(body) }
    func storeStats() throws -> StoreStats { try store.stats() }
    var writerQueue: Int { writer.queued }
}

/// Where decisions land after their commit: the event queue, the index,
/// the in-flight table and the counters. Shared by host threads and the
/// writer, so every part of it is thread-safe.
final class EngineOutput: ActionSink, @unchecked Sendable {
    let events: EventQueue
    let index = EnabledIndex()
    let inflight = InFlightPublishes()
    let stats = Stats()
    /// Set once at open, before the writer runs.
    nonisolated(unsafe) var dispatcher: (any Dispatcher)?
    private let logLevel: LogLevel
    private let publishTimeoutS: Int

    init(config: Config) throws(EngineError) {
        events = try EventQueue(limit: config.limits.maxEvents)
        logLevel = config.logLevel
        publishTimeoutS = config.server.publishTimeoutS
    }

    func log(_ level: LogLevel, _ text: String) {
        guard level >= logLevel else { return }
        emit(Event(kind: .log, text: text, target: nil, level: level))
    }

    private func emit(_ event: Event) {
        if !events.push(event) { stats.error("events_dropped") }
    }

    func apply(_ action: CoreAction) {
        switch action {
        case .send(let stanza):
            emit(Event(kind: .stanza, text: stanza.serialized(), target: stanza[attribute: "to"]))
        case .disabled(let key, let reason):
            let data: JSON = .object(["user": .string(key.user), "jid": .string(key.service),
                                      "node": .string(key.node), "reason": .string(reason)])
            emit(Event(kind: .disabled, text: data.serialized(), target: key.user))
        case .log(let level, let text): log(level, text)
        case .awaitAnswer(let id, let flight): inflight.insert(id, flight)
        case .indexAdd(let key, let record): index.add(key, record: record)
        case .indexRemove(let key): index.remove(key)
        case .pushed(let reason): stats.pushed(reason)
        case .publishFailed(let kind): stats.publishFailed(kind)
        case .dispatch(let job):
            if let dispatcher { dispatcher.dispatch(job) } else {
                log(.error, "push: a notification for node \(Redact.token(job.node)) is queued but no delivery layer runs")
            }
        case .delivered: stats.pushed(nil, delivered: true)
        case .schedule(.retry, _): stats.publishRetried()
        case .schedule, .adminResult, .pendingJob: break   // the writer keeps these
        }
    }

    func storeFailed(_ error: StoreError, changes: Int) {
        stats.error(error.kind == .full ? "store_full" : "store_failed")
        log(.error, "store: \(changes) change(s) not saved, and not acknowledged: \(error.message)")
    }

    func publishTimedOut(_ id: String) {
        guard let flight = inflight.take(id) else { return }
        // A notification message is never answered when it arrives.
        guard flight.expectsAnswer else { return }
        stats.error("publish_timeout")
        log(.warn, "push: \(flight.key.service) did not answer a publish for \(flight.key.user) within \(publishTimeoutS) s")
    }
}

extension EngineOutput: EngineLog {}

/// Carries outcomes back to the engine without the delivery layer owning
/// it: the engine owns the dispatcher, so this reference must be weak.
private final class DeliveryReporter: @unchecked Sendable {
    weak var engine: Engine?
    /// Holds the reporter strongly (nothing else does); the reporter
    /// holds the engine weakly, so there is no cycle.
    var report: DeliveryReport {
        { job, outcome, status in self.engine?.deliveryFinished(job, outcome, httpStatus: status) }
    }
}
