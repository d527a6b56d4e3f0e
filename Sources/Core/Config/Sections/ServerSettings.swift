extension Config.Server {
    /// The `server` section: the server side of XEP-0357, for the users of
    /// `domains`.
    static var section: SettingsSection<Config.Server> {
        SettingsSection(name: "server", settings: [
            .domains("domains", \.domains, .required("required: the XMPP domains whose users this engine serves"),
                     doc: "the XMPP domains whose users this engine serves"),
            .bool("include_senders", \.includeSenders, option: "include_senders",
                  doc: "default for users: put the last sender in notifications"),
            .bool("include_message_count", \.includeMessageCount, option: "include_message_count",
                  doc: "default: put the message count in notifications"),
            .bool("include_subscription_count", \.includeSubscriptionCount, option: "include_subscription_count",
                  doc: "default: put the pending subscription count in notifications"),
            .bool("include_message_bodies", \.includeMessageBodies, option: "include_message_bodies",
                  doc: "default: put the last (unencrypted) body in notifications"),
            .choice("notify_on", \.notifyOn, [("important", .important), ("all", .all)], option: "notify_on",
                    doc: "`important`: messages with a body, encrypted messages, calls, subscription requests and mentions; `all`: every message and subscription request"),
            .int("max_enablements_per_user", \.maxEnablementsPerUser, min: 1, max: 1000,
                 option: "max_enablements_per_user", oldName: "max_registrations_per_user", oldOption: "max_registrations_per_user",
                 doc: "enablements per user; the oldest is pruned"),
            .int("coalesce_window_s", \.coalesceWindowS, min: 0, max: 86_400, unit: "s", option: "coalesce_window",
                 doc: "at most one follow-up push per window"),
            .int("pending_timeout_s", \.pendingTimeoutS, min: 1, unit: "s", option: "pending_timeout",
                 doc: "how long the host keeps a push user's pending session"),
            .int("wake_before_timeout_s", \.wakeBeforeTimeoutS, min: 0, unit: "s", option: "wake_before_timeout",
                 doc: "one wake push this long before the pending timeout; 0 for none"),
            .bool("wake_on_start", \.wakeOnStart, option: "wake_on_start",
                  doc: "one restart wake per session that was pending when the host stopped"),
            .int("restart_wake_rate", \.restartWakeRate, min: 1, max: 1_000_000, option: "restart_wake_rate",
                 doc: "restart wakes per second at the most"),
            .int("publish_timeout_s", \.publishTimeoutS, min: 1, max: 86_400, unit: "s", option: "publish_timeout",
                 doc: "a publish to a remote app server unanswered by then is given up"),
            .int("publish_retries", \.publishRetries, min: 0, max: 100, option: "publish_retries",
                 doc: "retries of a publish answered with a `wait` error, or with an error on the way to the app server (`remote-server-not-found`, `remote-server-timeout`, `service-unavailable`: e.g. an app server component not connected yet after a restart), which disable push only when every retry failed the same way"),
        ], check: { server throws(ConfigError) in
            guard server.wakeBeforeTimeoutS < server.pendingTimeoutS else {
                throw ConfigError("server.wake_before_timeout_s", "must be less than server.pending_timeout_s (\(server.pendingTimeoutS))")
            }
        })
    }
}
