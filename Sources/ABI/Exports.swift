import Glibc
import CNudgeABI
import NudgeRuntime
import NudgeCore
import NudgeDelivery
import NudgeXMPP

// The C functions of include/nudge.h. Each is a thin translation: C
// arguments to Swift values, Swift results to result codes. No policy
// lives here. HeaderConformance.swift makes the compiler compare every
// signature with the header's declaration.

public typealias EnginePointer = OpaquePointer
public typealias CString = UnsafePointer<CChar>
public typealias OutString = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

/// Runs `body` with the engine behind a handle, or returns the code that
/// refuses the call: EINVAL for NULL, EFORKED in a child after fork()
/// (the engine's threads and locks are the parent's: nothing of it is
/// touched but the generation it was opened in).
private func withEngine(_ p: EnginePointer?, _ body: (Engine) -> Int32) -> Int32 {
    guard let p else { return ResultCode.invalid.rawValue }
    let engine = Unmanaged<Engine>.fromOpaque(UnsafeRawPointer(p)).takeUnretainedValue()
    guard engine.ownedByThisProcess else { return ResultCode.forked.rawValue }
    return body(engine)
}

/// A malloc'd copy for the caller to release with nudge_free().
private func handOut(_ s: String, _ out: OutString?) {
    out?.pointee = strdup(s)
}

/// The configuration of config_json. Its key files are read where the
/// backends are made: by the delivery layer as the engine opens, and by
/// nudge_check_config, which makes them only to see that they can be.
private func parsedConfig(_ configJSON: CString?) -> Result<Config, EngineError> {
    guard let configJSON else { return .failure(EngineError(.invalid, "config_json is required")) }
    do { return .success(try Config(json: String(cString: configJSON))) } catch {
        return .failure(EngineError(.config, error.message))
    }
}

@c public func nudge_open(_ configJSON: CString?, _ out: UnsafeMutablePointer<EnginePointer?>?,
                          _ errmsg: OutString?) -> Int32 {
    errmsg?.pointee = nil
    out?.pointee = nil
    guard configJSON != nil, let out else {
        handOut("config_json and out are required", errmsg)
        return ResultCode.invalid.rawValue
    }
    do {
        let config = try parsedConfig(configJSON).get()
        let clock = SystemClock()
        let delivery = config.appServer.backends.isEmpty ? nil : VendorDispatcher.factory(config, clock: clock)
        let e = try Engine.open(config, clock: clock, delivery: delivery)
        out.pointee = EnginePointer(Unmanaged.passRetained(e).toOpaque())
        return ResultCode.ok.rawValue
    } catch {
        handOut(error.message, errmsg)
        return error.code.rawValue
    }
}

@c public func nudge_check_config(_ configJSON: CString?, _ errmsg: OutString?) -> Int32 {
    errmsg?.pointee = nil
    do {
        let config = try parsedConfig(configJSON).get()
        // The backends as the delivery layer makes them at open; their
        // permission warnings are the open's to log.
        for backend in config.appServer.backends { _ = try VendorBackends.make(backend) { _ in } }
        // The store is not opened (no directory made, no connection), but
        // a PostgreSQL password file must be readable.
        if config.store.backend == .postgresql { _ = try StoreOpening.postgreSQLOptions(config.store) }
        return ResultCode.ok.rawValue
    } catch {
        handOut(error.message, errmsg)
        return error.code.rawValue
    }
}

@c public func nudge_close(_ e: EnginePointer?) {
    guard let e else { return }
    let unmanaged = Unmanaged<Engine>.fromOpaque(UnsafeRawPointer(e))
    // In a child after fork() the engine is the parent's copy: closing it
    // would join threads that do not exist here. It is left as it is.
    guard unmanaged.takeUnretainedValue().ownedByThisProcess else { return }
    unmanaged.takeUnretainedValue().close()
    unmanaged.release()
}

/// Static C strings, made once and never written or freed:
/// nudge_strerror() must return pointers that never go away, which is
/// also why sharing them between threads is safe.
nonisolated(unsafe) private let errorStrings: [Int32: UnsafeMutablePointer<CChar>] = {
    var table: [Int32: UnsafeMutablePointer<CChar>] = [:]
    for code in headerResultCodes {
        if let r = ResultCode(rawValue: code) { table[r.rawValue] = strdup(r.message) }
    }
    return table
}()
nonisolated(unsafe) private let unknownError = strdup("unknown result code")!
nonisolated(unsafe) private let versionString = strdup(Version.string)!

@c public func nudge_strerror(_ code: Int32) -> CString? {
    CString(errorStrings[code] ?? unknownError)
}

@c public func nudge_version(_ major: UnsafeMutablePointer<Int32>?, _ minor: UnsafeMutablePointer<Int32>?,
                             _ patch: UnsafeMutablePointer<Int32>?) -> CString? {
    major?.pointee = Version.major
    minor?.pointee = Version.minor
    patch?.pointee = Version.patch
    return CString(versionString)
}

@c public func nudge_free(_ p: UnsafeMutableRawPointer?) {
    free(p)
}

@c public func nudge_handle_stanza(_ e: EnginePointer?, _ xml: CString?, _ len: Int) -> Int32 {
    withEngine(e) { engine in
        guard let xml, len >= 0 else { return ResultCode.invalid.rawValue }
        return engine.handleStanza(UnsafeRawBufferPointer(start: xml, count: len)).rawValue
    }
}

private func session(_ e: EnginePointer?, _ jid: CString?, _ call: (Engine, String) -> ResultCode) -> Int32 {
    withEngine(e) { engine in
        guard let jid else { return ResultCode.invalid.rawValue }
        return call(engine, String(cString: jid)).rawValue
    }
}

@c public func nudge_session_online(_ e: EnginePointer?, _ jid: CString?) -> Int32 {
    session(e, jid) { $0.sessionOnline($1) }
}

@c public func nudge_session_pending(_ e: EnginePointer?, _ jid: CString?, _ timeout: UnsafeMutablePointer<UInt32>?) -> Int32 {
    timeout?.pointee = 0
    return session(e, jid) { engine, jid in
        let (code, seconds) = engine.sessionPending(jid)
        timeout?.pointee = seconds
        return code
    }
}

@c public func nudge_session_resumed(_ e: EnginePointer?, _ jid: CString?) -> Int32 {
    session(e, jid) { $0.sessionResumed($1) }
}

@c public func nudge_session_closed(_ e: EnginePointer?, _ jid: CString?) -> Int32 {
    session(e, jid) { $0.sessionClosed($1) }
}

@c public func nudge_set_room_nick(_ e: EnginePointer?, _ user: CString?, _ room: CString?, _ nick: CString?) -> Int32 {
    withEngine(e) { engine in
        guard let user, let room else { return ResultCode.invalid.rawValue }
        return engine.setRoomNick(user: String(cString: user), room: String(cString: room),
                                  nick: nick.map { String(cString: $0) }).rawValue
    }
}

/// A yes-or-no question about a user, answered into `wanted` (0 on failure).
private func answer(_ e: EnginePointer?, _ user: CString?, _ wanted: UnsafeMutablePointer<Int32>?,
                    _ ask: (Engine, String) -> Result<Bool, ResultCode>) -> Int32 {
    wanted?.pointee = 0
    return withEngine(e) { engine in
        guard let user, let wanted else { return ResultCode.invalid.rawValue }
        switch ask(engine, String(cString: user)) {
        case .success(let yes):
            wanted.pointee = yes ? 1 : 0
            return ResultCode.ok.rawValue
        case .failure(let code):
            return code.rawValue
        }
    }
}

@c public func nudge_wants_sender_roster(_ e: EnginePointer?, _ user: CString?, _ wanted: UnsafeMutablePointer<Int32>?) -> Int32 {
    answer(e, user, wanted) { $0.wantsSenderRoster(user: $1) }
}

@c public func nudge_wants_session_activity(_ e: EnginePointer?, _ user: CString?, _ wanted: UnsafeMutablePointer<Int32>?) -> Int32 {
    answer(e, user, wanted) { $0.wantsSessionActivity(user: $1) }
}

@c public func nudge_session_activity(_ e: EnginePointer?, _ jid: CString?, _ xml: CString?, _ len: Int) -> Int32 {
    withEngine(e) { engine in
        guard let jid, let xml, len >= 0 else { return ResultCode.invalid.rawValue }
        return engine.sessionActivity(String(cString: jid), UnsafeRawBufferPointer(start: xml, count: len)).rawValue
    }
}

@c public func nudge_stanza_held(_ e: EnginePointer?, _ user: CString?, _ xml: CString?, _ len: Int, _ where: nudge_held_where) -> Int32 {
    withEngine(e) { engine in
        guard let user, let xml, len >= 0 else { return ResultCode.invalid.rawValue }
        return engine.stanzaHeld(user: String(cString: user), UnsafeRawBufferPointer(start: xml, count: len),
                                 flags: `where`.rawValue).rawValue
    }
}

// MARK: events

private func event(_ p: OpaquePointer?) -> Event? {
    p.map { Unmanaged<Event>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
}

@c public func nudge_event_fd(_ e: EnginePointer?) -> Int32 {
    withEngine(e) { $0.eventFD }
}

@c public func nudge_next_event(_ e: EnginePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    out?.pointee = nil
    return withEngine(e) { engine in
        guard let out else { return ResultCode.invalid.rawValue }
        guard let ev = engine.nextEvent() else { return ResultCode.empty.rawValue }
        out.pointee = OpaquePointer(Unmanaged.passRetained(ev).toOpaque())
        return ResultCode.ok.rawValue
    }
}

@c public func nudge_event_kind(_ ev: OpaquePointer?) -> Int32 {
    event(ev)?.kind.rawValue ?? ResultCode.invalid.rawValue
}

@c public func nudge_event_data(_ ev: OpaquePointer?, _ len: UnsafeMutablePointer<Int>?) -> CString? {
    guard let ev = event(ev) else { len?.pointee = 0; return nil }
    len?.pointee = ev.length
    return CString(ev.data)
}

@c public func nudge_event_target(_ ev: OpaquePointer?) -> CString? {
    event(ev)?.target.map { CString($0) }
}

@c public func nudge_event_level(_ ev: OpaquePointer?) -> Int32 {
    guard let ev = event(ev), ev.kind == .log else { return LogLevel.info.rawValue }
    return ev.level.rawValue
}

@c public func nudge_event_free(_ ev: OpaquePointer?) {
    guard let ev else { return }
    Unmanaged<Event>.fromOpaque(UnsafeRawPointer(ev)).release()
}

// MARK: operations

// MARK: accounts

@c public func nudge_user_removed(_ e: EnginePointer?, _ user: CString?) -> Int32 {
    withEngine(e) { engine in
        guard let user else { return ResultCode.invalid.rawValue }
        return engine.userRemoved(String(cString: user)).rawValue
    }
}

@c public func nudge_account_disco(_ e: EnginePointer?, _ account: CString?, _ requester: CString?, _ xml: OutString?) -> Int32 {
    xml?.pointee = nil
    return withEngine(e) { engine in
        guard let account, let xml else { return ResultCode.invalid.rawValue }
        switch engine.accountDisco(account: String(cString: account), requester: requester.map { String(cString: $0) }) {
        case .success(let text): handOut(text, xml); return ResultCode.ok.rawValue
        case .failure(let error): return error.code.rawValue
        }
    }
}

@c public func nudge_info(_ configJSON: CString?, _ json: OutString?, _ errmsg: OutString?) -> Int32 {
    json?.pointee = nil
    errmsg?.pointee = nil
    guard configJSON != nil, let json else { return ResultCode.invalid.rawValue }
    switch parsedConfig(configJSON) {
    case .success(let config):
        handOut(JSON.object(EngineInfo.json(config, version: Version.string)).serialized(), json)
        return ResultCode.ok.rawValue
    case .failure(let error):
        handOut(error.message, errmsg)
        return error.code.rawValue
    }
}

@c public func nudge_config_schema(_ json: OutString?) -> Int32 {
    json?.pointee = nil
    guard let json else { return ResultCode.invalid.rawValue }
    handOut(ConfigSchema.json.serialized(), json)
    return ResultCode.ok.rawValue
}

@c public func nudge_stats_json(_ e: EnginePointer?, _ json: OutString?) -> Int32 {
    json?.pointee = nil
    return withEngine(e) { engine in
        guard let json else { return ResultCode.invalid.rawValue }
        switch engine.statsJSON() {
        case .success(let text): handOut(text, json); return ResultCode.ok.rawValue
        case .failure(let error): return error.code.rawValue
        }
    }
}

@c public func nudge_metrics_text(_ e: EnginePointer?, _ text: OutString?) -> Int32 {
    text?.pointee = nil
    return withEngine(e) { engine in
        guard let text else { return ResultCode.invalid.rawValue }
        switch engine.metricsText() {
        case .success(let rendered): handOut(rendered, text); return ResultCode.ok.rawValue
        case .failure(let error): return error.code.rawValue
        }
    }
}

@c public func nudge_admin(_ e: EnginePointer?, _ request: CString?, _ reply: OutString?) -> Int32 {
    reply?.pointee = nil
    return withEngine(e) { engine in
        guard let request else { return ResultCode.invalid.rawValue }
        let (code, text) = engine.admin(String(cString: request))
        handOut(text, reply)
        return code.rawValue
    }
}
