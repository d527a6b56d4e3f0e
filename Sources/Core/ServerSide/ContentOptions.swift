import NudgeStore

/// What a user allows into a notification (urn:xmpp:push:options). Stored
/// per user when set in-band; otherwise the server's defaults apply.
struct ContentOptions: Equatable {
    static let fields = ["include-senders", "include-message-count", "include-subscription-count", "include-message-bodies"]

    var values: [Bool]   // in the order of `fields`

    init(_ r: OptionsRecord) {
        values = [r.includeSenders, r.includeMessageCount, r.includeSubscriptionCount, r.includeMessageBodies]
    }

    init(defaults s: Config.Server) {
        values = [s.includeSenders, s.includeMessageCount, s.includeSubscriptionCount, s.includeMessageBodies]
    }

    var record: OptionsRecord {
        OptionsRecord(includeSenders: values[0], includeMessageCount: values[1],
                      includeSubscriptionCount: values[2], includeMessageBodies: values[3])
    }

    var includeSenders: Bool { values[0] }
    var includeMessageCount: Bool { values[1] }
    var includeSubscriptionCount: Bool { values[2] }
    var includeMessageBodies: Bool { values[3] }
}
