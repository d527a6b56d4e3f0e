import Testing
import NudgeCore

@Suite struct ConfigTests {
    @Test func defaults() throws {
        let c = try Config(json: #"{"store": {"path": "/var/lib/nudge"}, "server": {"domains": ["Example.NET"]}}"#)
        #expect(c.store.path == "/var/lib/nudge")
        #expect(c.server.domains == ["example.net"])
        #expect(c.server.coalesceWindowS == 20)
        #expect(c.server.pendingTimeoutS == 259_200)
        #expect(c.server.notifyOn == .important)
        #expect(c.server.includeMessageCount && !c.server.includeMessageBodies)
        #expect(c.limits.maxStanzaBytes == 262_144)
        #expect(c.store.sync)
        #expect(c.appServer.shutdownGraceS == 5)
    }

    @Test func everyKnownKey() throws {
        let c = try Config(json: """
        {"store": {"path": "/s", "map_size_mb": 8, "max_map_size_mb": 16, "sync": false},
         "server": {"domains": ["a.example", "b.example"], "include_senders": true, "include_message_count": false,
                    "include_subscription_count": false, "include_message_bodies": true, "notify_on": "all",
                    "max_enablements_per_user": 3, "coalesce_window_s": 5, "pending_timeout_s": 600,
                    "wake_before_timeout_s": 60, "wake_on_start": false, "restart_wake_rate": 10,
                    "publish_timeout_s": 30, "publish_retries": 2},
         "appserver": {"pubsub_host": "push.a.example", "register_host": "a.example", "allow_domains": ["a.example"],
                       "shutdown_grace_s": 30},
         "limits": {"max_stanza_bytes": 65536, "max_depth": 32, "max_attributes": 16, "max_queue": 1024},
         "log": {"level": "debug"}}
        """)
        #expect(c.store.mapSizeMB == 8 && !c.store.sync)
        #expect(c.server.notifyOn == .all && c.server.maxEnablementsPerUser == 3 && !c.server.wakeOnStart)
        #expect(c.appServer.pubsubHost == "push.a.example" && c.appServer.shutdownGraceS == 30)
        #expect(c.limits.maxDepth == 32 && c.limits.maxQueue == 1024)
        #expect(c.logLevel == .debug)
    }

    @Test(arguments: [
        ("{", "configuration is not valid JSON"),
        (#"{"store": {}}"#, "store.path: required"),
        (#"{"store": {"path": "/s"}}"#, "server.domains: required"),
        (#"{"store": {"path": "/s"}, "server": {"domains": []}}"#, "server.domains: required"),
        (#"{"store": {"path": "/s"}, "server": {"domains": ["x"]}, "extra": 1}"#, "extra: unknown key"),
        (#"{"store": {"path": "/s"}, "server": {"domains": ["x"], "coalesce_window_s": -1}}"#, "server.coalesce_window_s: expected a whole number"),
        (#"{"store": {"path": "/s"}, "server": {"domains": ["x"], "coalesce_window_s": 1.5}}"#, "server.coalesce_window_s"),
        (#"{"store": {"path": "/s"}, "server": {"domains": ["x"], "include_senders": "yes"}}"#, "server.include_senders: expected true or false"),
        (#"{"store": {"path": "/s"}, "server": {"domains": ["x", 3]}}"#, "server.domains[1]"),
        (#"{"store": {"path": "/s"}, "server": {"domains": ["u@x"]}}"#, "server.domains[0]: not a valid domain"),
        (#"{"store": {"path": "/s"}, "server": {"domains": ["x"], "pending_timeout_s": 60, "wake_before_timeout_s": 60}}"#, "server.wake_before_timeout_s"),
        (#"{"store": {"path": "/s", "map_size_mb": 64, "max_map_size_mb": 8}, "server": {"domains": ["x"]}}"#, "store.max_map_size_mb"),
        (#"{"store": {"path": "/s"}, "server": {"domains": ["x"]}, "appserver": {"backends": [{"type": "apns"}]}}"#, "appserver.backends"),
        (#"{"store": {"path": "/s"}, "server": {"domains": ["x"]}, "appserver": {"pubsub_host": "a b"}}"#, "appserver.pubsub_host"),
        (#"{"store": {"path": "/s"}, "server": {"domains": ["x"]}, "log": {"level": "loud"}}"#, "log.level"),
        (#"{"store": {"path": "/s"}, "server": {"domains": ["x"]}, "appserver": {"shutdown_grace_s": 601}}"#, "appserver.shutdown_grace_s"),
        (#"{"store": {"path": "/s"}, "server": "x"}"#, "server: expected an object"),
    ])
    func errorsNameTheKey(json: String, message: String) {
        do {
            _ = try Config(json: json)
            Issue.record("accepted: \(json)")
        } catch {
            #expect(error.message.contains(message), "\(error.message)")
        }
    }
}
