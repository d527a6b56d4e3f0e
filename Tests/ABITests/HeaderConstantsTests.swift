import Testing
import CNudgeABI
import NudgeRuntime
import NudgeCore

/// The header's macros and the Swift enums must agree; the compiler
/// checks function signatures (Sources/ABI/HeaderConformance.swift), this
/// checks the numbers.
@Suite struct HeaderConstants {
    @Test func resultCodes() {
        let pairs: [(ResultCode, Int32)] = [
            (.ok, NUDGE_OK), (.empty, NUDGE_EMPTY), (.invalid, NUDGE_EINVAL), (.config, NUDGE_ECONFIG),
            (.store, NUDGE_ESTORE), (.schema, NUDGE_ESCHEMA), (.locked, NUDGE_ELOCKED), (.xml, NUDGE_EXML),
            (.tooBig, NUDGE_ETOOBIG), (.limit, NUDGE_ELIMIT), (.jid, NUDGE_EJID), (.notFor, NUDGE_ENOTFOR),
            (.busy, NUDGE_EBUSY), (.notFound, NUDGE_ENOTFOUND), (.full, NUDGE_EFULL), (.noMemory, NUDGE_ENOMEM),
            (.forked, NUDGE_EFORKED),
        ]
        for (swift, c) in pairs { #expect(swift.rawValue == c, "\(swift)") }
        #expect(NUDGE_LAST_ERRCODE == pairs.map(\.1).min())
        #expect(Set(pairs.map(\.1)) == Set(NUDGE_LAST_ERRCODE...NUDGE_EMPTY), "codes are contiguous")
    }

    @Test func eventKindsLevelsAndFlags() {
        #expect(Event.Kind.stanza.rawValue == NUDGE_EVENT_STANZA)
        #expect(Event.Kind.disabled.rawValue == NUDGE_EVENT_DISABLED)
        #expect(Event.Kind.log.rawValue == NUDGE_EVENT_LOG)
        #expect(LogLevel.debug.rawValue == NUDGE_LOG_DEBUG && LogLevel.info.rawValue == NUDGE_LOG_INFO)
        #expect(LogLevel.warn.rawValue == NUDGE_LOG_WARN && LogLevel.error.rawValue == NUDGE_LOG_ERROR)
        #expect(Engine.heldQueued == NUDGE_HELD_QUEUED.rawValue && Engine.heldOffline == NUDGE_HELD_OFFLINE.rawValue)
        #expect(Engine.heldArchived == NUDGE_HELD_ARCHIVED.rawValue)
        #expect(Version.major == NUDGE_VERSION_MAJOR && Version.minor == NUDGE_VERSION_MINOR && Version.patch == NUDGE_VERSION_PATCH)
    }
}
