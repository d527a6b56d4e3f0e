import Testing
import NudgeCore
import NudgeXMPP

/// The schema (nudge_config_schema) says what the decoder does: every
/// default is what an unset key means, every range and choice is the one
/// enforced, every required key is refused when missing.
@Suite struct ConfigSchemaTests {
    static let schema = ConfigSchema.json
    static var keys: [JSONObject] { (schema["keys"]?.arrayValue ?? []).compactMap(\.objectValue) }
    static func backendKeys(_ type: String) -> [JSONObject] {
        (schema["backends"]?[type]?.arrayValue ?? []).compactMap(\.objectValue)
    }

    /// The smallest configuration the engine takes, with `value` at `path`
    /// ("server.coalesce_window_s").
    static func document(_ path: String? = nil, _ value: JSON? = nil) -> String {
        var doc: JSONObject = ["store": ["path": "/s"], "server": ["domains": ["example.net"]]]
        if let path, let value {
            let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
            var section = doc[parts[0]]?.objectValue ?? JSONObject()
            section[parts[1]] = value
            doc[parts[0]] = .object(section)
        }
        return JSON.object(doc).serialized()
    }

    /// The smallest backend of each type the engine takes.
    static let minimalBackends: [String: JSONObject] = [
        "apns": ["type": "apns", "app": "a", "topic": "t", "key_file": "/k", "key_id": "K", "team_id": "T"],
        "fcm": ["type": "fcm", "app": "a", "service_account_file": "/f"],
        "webpush": ["type": "webpush", "vapid_private_key_file": "/k", "subject": "mailto:a@example.net"],
        "wns": ["type": "wns", "app": "a", "package_sid": "ms-app://s", "client_secret": "x"],
        "ubuntu": ["type": "ubuntu"],
    ]

    static func backend(_ b: JSONObject) throws -> BackendConfig {
        let doc: JSON = ["store": ["path": "/s"], "server": ["domains": ["example.net"]],
                         "appserver": ["pubsub_host": "push.example.net", "backends": [.object(b)]]]
        return try #require(try Config(json: doc.serialized()).appServer.backends.first)
    }

    static func error(_ text: String) -> String? {
        do { _ = try Config(json: text); return nil } catch { return error.message }
    }

    @Test func everyEntryIsDescribed() throws {
        var seen: Set<String> = [], options: Set<String> = []
        let all = Self.keys + ["apns", "fcm", "webpush", "wns", "ubuntu"].flatMap(Self.backendKeys)
        #expect(Self.keys.count == 39)
        for entry in all {
            let key = try #require(entry["key"]?.stringValue)
            let doc = entry["doc"]?.stringValue ?? ""
            #expect(!doc.isEmpty, "\(key) has no doc")
            #expect(entry["type"]?.stringValue != nil, "\(key) has no type")
            let how = ["default", "required", "unset"].filter { entry[$0] != nil }
            #expect(how.count == 1, "\(key): \(how)")
            if let option = entry["option"]?.stringValue {
                #expect(options.insert(option).inserted, "option \(option) twice")
            }
        }
        for entry in Self.keys {
            let key = try #require(entry["key"]?.stringValue)
            #expect(seen.insert(key).inserted, "\(key) twice")
        }
        #expect(Self.backendKeys("webpush").allSatisfy { $0["key"]?.stringValue != "endpoint" })
        #expect(Self.backendKeys("apns").first?["key"]?.stringValue == "type")
    }

    @Test func entriesSayWhatTheDecoderDoes() {
        let window = Self.keys.first { $0["key"] == "server.coalesce_window_s" }
        #expect(window == ["key": "server.coalesce_window_s", "type": "integer", "min": 0, "max": 86_400, "default": 20,
                           "unit": "s", "doc": "at most one follow-up push per window", "option": "coalesce_window"])
        let enablements = Self.keys.first { $0["key"] == "server.max_enablements_per_user" }
        #expect(enablements?["old_names"] == ["max_registrations_per_user"])
        #expect(enablements?["old_options"] == ["max_registrations_per_user"])
        #expect(Self.keys.first { $0["key"] == "store.path" }?["unset"] == "required with store.backend `lmdb`")
        #expect(Self.keys.first { $0["key"] == "store.backend" }?["values"] == ["lmdb", "postgresql"])
        #expect(Self.keys.first { $0["key"] == "log.level" }?["values"] == ["debug", "info", "warn", "error"])
        #expect(Self.backendKeys("webpush").first { $0["key"] == "ttl_s" }?["unset"] == "86400 (a day)")
        #expect(Self.backendKeys("apns").first { $0["key"] == "app" }?["required"] == true)
        #expect(Self.backendKeys("ubuntu").first { $0["key"] == "app" }?["default"] == "any")
    }

    /// Setting a key to its default changes nothing.
    @Test func everyDefaultIsWhatAnUnsetKeyMeans() throws {
        let plain = try Config(json: Self.document())
        for entry in Self.keys {
            guard let key = entry["key"]?.stringValue, let value = entry["default"] else { continue }
            #expect(try Config(json: Self.document(key, value)) == plain, "\(key): \(value.serialized())")
        }
        for (type, minimal) in Self.minimalBackends {
            let plainBackend = try Self.backend(minimal)
            for entry in Self.backendKeys(type) {
                guard let key = entry["key"]?.stringValue, let value = entry["default"], key != "type" else { continue }
                var b = minimal
                b[key] = value
                #expect(try Self.backend(b) == plainBackend, "\(type).\(key): \(value.serialized())")
            }
        }
    }

    @Test func requiredKeysAreRequired() throws {
        for (type, minimal) in Self.minimalBackends {
            for entry in Self.backendKeys(type) where entry["required"] == true {
                let key = try #require(entry["key"]?.stringValue)
                var b = minimal
                #expect(b[key] != nil, "\(type): the minimal backend lacks \(key)")
                b[key] = nil
                #expect(throws: ConfigError.self, "\(type) without \(key)") { try Self.backend(b) }
                do { _ = try Self.backend(b) } catch let error as ConfigError {
                    #expect(error.message.hasPrefix("appserver.backends[0].\(key): required"), "\(error.message)")
                }
            }
        }
        #expect(Self.error(#"{"server": {"domains": ["x"]}}"#)?.hasPrefix("store.path: required") == true)
    }

    @Test func integerRangesAreEnforced() throws {
        for entry in Self.keys where entry["type"] == "integer" {
            let key = try #require(entry["key"]?.stringValue)
            let min = try #require(entry["min"]?.intValue), max = try #require(entry["max"]?.intValue)
            for outside in [min - 1, max + 1] {
                #expect(Self.error(Self.document(key, .number(Double(outside)))) ==
                        "\(key): expected a whole number from \(min) to \(max), got \(outside)")
            }
            for inside in [min, max] {
                let problem = Self.error(Self.document(key, .number(Double(inside))))
                #expect(problem?.contains("expected a whole number") != true, "\(key) = \(inside): \(problem ?? "")")
            }
        }
    }

    @Test func choicesAreEnforced() throws {
        for entry in Self.keys where entry["type"] == "choice" {
            let key = try #require(entry["key"]?.stringValue)
            let values = try #require(entry["values"]?.arrayValue).compactMap(\.stringValue)
            // Accepted for this key; a value may need other keys (postgresql: store.url).
            for value in values {
                let problem = Self.error(Self.document(key, .string(value)))
                #expect(problem?.hasPrefix("\(key):") != true, "\(key) = \(value): \(problem ?? "")")
            }
            let problem = try #require(Self.error(Self.document(key, "nonsense")))
            #expect(problem.hasPrefix("\(key): expected \(values.dropLast().joined(separator: ", ")) or \(values.last!)"), "\(problem)")
        }
        for (type, minimal) in Self.minimalBackends {
            for entry in Self.backendKeys(type) where entry["type"] == "choice" && entry["key"] != "type" {
                let key = try #require(entry["key"]?.stringValue)
                var b = minimal
                for value in try #require(entry["values"]?.arrayValue) {
                    b[key] = value
                    _ = try Self.backend(b)
                }
                b[key] = "nonsense"
                #expect(throws: ConfigError.self, "\(type).\(key)") { try Self.backend(b) }
            }
        }
    }

    @Test func oldNamesAreReadWithAWarning() throws {
        let server = try Config(json: Self.document("server.max_registrations_per_user", 3))
        #expect(server.server.maxEnablementsPerUser == 3)
        #expect(server.warnings == ["server.max_registrations_per_user is deprecated: it is now server.max_enablements_per_user, with the same meaning"])
        let app = try Config(json: Self.document("appserver.max_registrations_per_user", 4))
        #expect(app.appServer.maxDevicesPerUser == 4 && app.server.maxEnablementsPerUser == 5)
        #expect(app.warnings == ["appserver.max_registrations_per_user is deprecated: it is now appserver.max_devices_per_user, with the same meaning"])
        #expect(try Config(json: Self.document("appserver.max_devices_per_user", 4)).warnings.isEmpty)
        let both = #"{"store": {"path": "/s"}, "server": {"domains": ["x"], "max_enablements_per_user": 2, "max_registrations_per_user": 3}}"#
        #expect(Self.error(both) == "server.max_registrations_per_user: the old name of server.max_enablements_per_user, which is given too: keep only server.max_enablements_per_user")
        // The old name's value is checked as the new one's, and the error names the key written.
        #expect(Self.error(Self.document("server.max_registrations_per_user", 0))?
            .hasPrefix("server.max_registrations_per_user: expected a whole number from 1 to 1000") == true)
    }

    @Test func anUnknownKeySaysWhereItBelongs() {
        #expect(Self.error(Self.document("server.max_devices_per_user", 3)) ==
                "server.max_devices_per_user: unknown key (did you mean appserver.max_devices_per_user?)")
        #expect(Self.error(#"{"store": {"path": "/s"}, "server": {"domains": ["x"]}, "max_queue": 64}"#) ==
                "max_queue: unknown key (did you mean limits.max_queue?)")
        #expect(Self.error(Self.document("server.no_such_key", 3)) == "server.no_such_key: unknown key")
        var b = Self.minimalBackends["webpush"]!
        b["package_sid"] = "ms-app://s"
        #expect(throws: ConfigError("appserver.backends[0].package_sid", "unknown key (not a key of webpush backends but of wns)")) {
            try Self.backend(b)
        }
    }
}
