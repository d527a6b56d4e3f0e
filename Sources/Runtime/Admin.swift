import NudgeCore
import NudgeXMPP
import NudgeStore

extension Engine {
    /// nudge_admin(): one JSON command in, one JSON reply out. The reply
    /// always says "ok"; on failure it carries "error" too.
    public func admin(_ request: String) -> (ResultCode, String) {
        switch runAdmin(request) {
        case .success(var reply):
            reply["ok"] = true
            return (.ok, JSON.object(reply).serialized())
        case .failure(let error):
            let reply: JSON = ["ok": false, "error": .string(error.message)]
            return (error.code, reply.serialized())
        }
    }

    private func runAdmin(_ text: String) -> Result<JSONObject, EngineError> {
        let request: AdminRequest
        switch AdminRequest.parse(text) {
        case .success(let r): request = r
        case .failure(let error): return .failure(error)
        }
        switch request {
        case .stats: return statsObject()
        case .verify: return verify()
        case .backup(let path): return backup(to: path)
        case .list(let user):
            do {
                return .success(try read { r in try UserPushState.json(of: user, r, defaults: config.server) })
            } catch {
                return .failure(EngineError(.store, "cannot read the store: \(error)"))
            }
        case .unregister(let node): return commit(.adminUnregister(node: node), request)
        case .remove(let user, let service, let node): return commit(.adminRemove(user: user, service: service, node: node), request)
        case .testPush(let user): return commit(.adminTestPush(user: user), request)
        }
    }

    /// A command that changes state, through the writer like every change.
    private func commit(_ input: CoreInput, _ request: AdminRequest) -> Result<JSONObject, EngineError> {
        submitAndWait(input).flatMap { result in request.notFound(in: result).map { .failure($0) } ?? .success(result) }
    }

    private func verify() -> Result<JSONObject, EngineError> {
        guard let owned else { return .failure(EngineError(.invalid, "verify: this engine has no store of its own")) }
        do {
            let report = try owned.verify()
            var entries = JSONObject()
            for (table, n) in report.entries { entries[table.rawValue] = .number(Double(n)) }
            return .success(["txnid": .number(Double(report.txnid)), "entries": .object(entries)])
        } catch {
            output.log(.error, "store: verify failed: \(error.message)")
            return .failure(EngineError(error.kind == .invalidArgument ? .invalid : .store, error.message))
        }
    }

    private func backup(to path: String) -> Result<JSONObject, EngineError> {
        guard let lmdb = owned as? LMDBStore else {
            return .failure(EngineError(.invalid, "backup: only an LMDB store is backed up by Nudge; back up a PostgreSQL store with pg_dump or the server's own backups"))
        }
        do {
            let bytes = try lmdb.backup(to: path)
            output.log(.info, "store: backed up to \(path) (\(bytes) bytes)")
            return .success(["path": .string(path), "bytes": .number(Double(bytes))])
        } catch {
            output.log(.error, "store: backup to \(path) failed: \(error.message)")
            let code: ResultCode = error.kind == .invalidArgument ? .invalid : error.kind == .full ? .full : .store
            return .failure(EngineError(code, error.message))
        }
    }

    /// nudge_stats_json(): memory and LMDB page counts only.
    public func statsJSON() -> Result<String, EngineError> {
        statsObject().map { JSON.object($0).serialized() }
    }

    /// nudge_metrics_text(): the same figures as OpenMetrics families.
    public func metricsText() -> Result<String, EngineError> {
        statsObject().map(OpenMetricsText.render)
    }

    private func statsObject() -> Result<JSONObject, EngineError> {
        let storeStats: StoreStats
        do { storeStats = try self.storeStats() } catch {
            return .failure(EngineError(.store, "cannot read store statistics: \(error)"))
        }
        let counters = output.stats.snapshot()
        let o: JSONObject = [
            "version": .string(Version.string),
            "users_enabled": .number(Double(output.index.userCount)),
            "enablements": .number(Double(output.index.enablementCount)),
            "sessions_pending": .number(Double(output.stats.pendingCount)),
            "pushes": .object(counters.pushes),
            "errors": .object(counters.errors),
            "held": .object(counters.held),
            "vendor_answers": .object(counters.vendorAnswers),
            "retries": .object(counters.retries),
            "stanza_to_vendor_latency": .object(counters.latency),
            "events_waiting": .number(Double(output.events.count)),
            "writer_queue": .number(Double(writerQueue)),
            "publishes_in_flight": .number(Double(output.inflight.count)),
            "deliveries": .number(Double(output.stats.deliveredCount)),
            "registrations": .number(Double(storeStats.entries[.reg] ?? 0)),
            "outbox": .number(Double(storeStats.entries[.outbox] ?? 0)),
            "store": ["map_bytes": .number(Double(storeStats.mapSize)), "used_bytes": .number(Double(storeStats.usedBytes))],
        ]
        return .success(o)
    }
}
