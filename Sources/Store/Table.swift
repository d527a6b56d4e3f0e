/// The named databases of a Nudge store.
///
/// The raw value is the LMDB database name, so renaming a case would orphan
/// its data: add cases, never rename them.
public enum Table: String, CaseIterable, Sendable {
    /// User, app server, node → an enablement (`EnableRecord`).
    case enable
    /// User bare JID → content options (`OptionsRecord`).
    case options
    /// Full JID → session state (`SessionRecord`).
    case session
    /// User, app server, node → push summary (`SummaryRecord`).
    case summary
    /// Node → app-server registration.
    case reg
    /// Owner JID, device id → node.
    case regOwner = "reg_owner"
    /// Sequence → delivery job (`OutboxRecord`).
    case outbox
    /// Schema version, clean-shutdown flag, outbox sequence.
    case meta
}
