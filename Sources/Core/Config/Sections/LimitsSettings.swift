extension Config.Limits {
    /// The `limits` section: what one stanza and the engine's queues may take.
    static var section: SettingsSection<Config.Limits> {
        SettingsSection(name: "limits", settings: [
            .int("max_stanza_bytes", \.maxStanzaBytes, min: 1024, max: 64 << 20,
                 doc: "larger stanzas get `NUDGE_ETOOBIG`"),
            .int("max_depth", \.maxDepth, min: 4, max: 1000, doc: "deeper stanzas get `NUDGE_ELIMIT`"),
            .int("max_attributes", \.maxAttributes, min: 4, max: 10_000, doc: "per element; more gets `NUDGE_ELIMIT`"),
            .int("max_queue", \.maxQueue, min: 16, doc: "commands waiting for the writer; past this `NUDGE_EBUSY`"),
            .int("max_events", \.maxEvents, min: 16,
                 doc: "events the host has not drained; past this new ones are dropped, counted (`errors.events_dropped`) and reported by one `warn` log event once the host has drained half of them"),
        ])
    }
}
