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

    private func runAdmin(_ request: String) -> Result<JSONObject, EngineError> {
        let json: JSON
        do { json = try JSON.parse(request) } catch {
            return .failure(EngineError(.invalid, "request is not JSON: \(error.message)"))
        }
        guard let command = json["command"]?.stringValue else {
            return .failure(EngineError(.invalid, "command: required (list, remove, unregister, test-push, stats, verify or backup)"))
        }
        if command == "stats" { return statsObject() }
        if command == "verify" { return verify() }
        if command == "backup" {
            guard let path = json["path"]?.stringValue, !path.isEmpty else {
                return .failure(EngineError(.invalid, "path: required (a new or empty directory for the backup)"))
            }
            return backup(to: path)
        }
        if command == "unregister" {
            guard let node = json["node"]?.stringValue, !node.isEmpty else {
                return .failure(EngineError(.invalid, "node: required (the registration's pubsub node)"))
            }
            return submitAndWait(.adminUnregister(node: node)).flatMap { result in
                result["removed"]?.intValue == 0 ? .failure(EngineError(.notFound, "no registration with that node")) : .success(result)
            }
        }
        guard let userText = json["user"]?.stringValue else { return .failure(EngineError(.invalid, "user: required")) }
        guard let user = try? JID(userText), user.local != nil else {
            return .failure(EngineError(.jid, "user: \"\(userText)\" is not a user's JID"))
        }
        switch command {
        case "list": return list(user.bare)
        case "remove":
            guard let service = json["jid"]?.stringValue, let node = json["node"]?.stringValue else {
                return .failure(EngineError(.invalid, "remove needs jid and node"))
            }
            let serviceJID = (try? JID(service))?.description ?? service
            return submitAndWait(.adminRemove(user: user.bare, service: serviceJID, node: node)).flatMap { result in
                result["removed"]?.intValue == 0
                    ? .failure(EngineError(.notFound, "\(user.bare) has no enablement at \(serviceJID) with that node"))
                    : .success(result)
            }
        case "test-push":
            return submitAndWait(.adminTestPush(user: user.bare)).flatMap { result in
                result["queued"]?.intValue == 0
                    ? .failure(EngineError(.notFound, "\(user.bare) has not enabled push"))
                    : .success(result)
            }
        default:
            return .failure(EngineError(.invalid, "command: unknown command \"\(command)\" (list, remove, unregister, test-push, stats, verify or backup)"))
        }
    }

    private func verify() -> Result<JSONObject, EngineError> {
        guard let lmdb else { return .failure(EngineError(.invalid, "verify: this engine has no LMDB store")) }
        do {
            let report = try lmdb.verify()
            var entries = JSONObject()
            for (table, n) in report.entries { entries[table.rawValue] = .number(Double(n)) }
            return .success(["txnid": .number(Double(report.txnid)), "entries": .object(entries)])
        } catch {
            output.log(.error, "store: verify failed: \(error.message)")
            return .failure(EngineError(error.kind == .invalidArgument ? .invalid : .store, error.message))
        }
    }

    private func backup(to path: String) -> Result<JSONObject, EngineError> {
        guard let lmdb else { return .failure(EngineError(.invalid, "backup: this engine has no LMDB store")) }
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

    private func list(_ user: JID) -> Result<JSONObject, EngineError> {
        do {
            return .success(try read { r in
                var enablements: [JSON] = []
                for (key, record) in try r.enables(ofUser: user.description) {
                    enablements.append(["jid": .string(key.service), "node": .string(key.node),
                                        "resource": .string(record.resource),
                                        "enabled_at": .number(Double(record.enabledAt))])
                }
                let options = try r.options(ofUser: user.description).map(ContentOptions.init)
                    ?? ContentOptions(defaults: config.server)
                var o = JSONObject()
                for (i, name) in ContentOptions.fields.enumerated() { o[name] = .bool(options.values[i]) }
                var devices: [JSON] = []
                for (node, reg) in try r.registrations(owner: user.description) {
                    var d: JSONObject = ["node": .string(node), "vendor": .string(reg.vendor), "app": .string(reg.app),
                                        "device_id": .string(reg.deviceID), "token": .string(Redact.token(reg.token)),
                                        "registered_at": .number(Double(reg.updatedAt))]
                    if let name = reg.deviceName { d["device_name"] = .string(name) }
                    devices.append(.object(d))
                }
                return ["user": .string(user.description), "enablements": .array(enablements), "options": .object(o),
                        "registrations": .array(devices)]
            })
        } catch {
            return .failure(EngineError(.store, "cannot read the store: \(error)"))
        }
    }

    /// nudge_stats_json(): memory and LMDB page counts only.
    public func statsJSON() -> Result<String, EngineError> {
        statsObject().map { JSON.object($0).serialized() }
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
