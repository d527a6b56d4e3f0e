/// The result codes of nudge.h, as Swift sees them. The ABI layer checks
/// at compile time that each raw value equals the header's macro.
public enum ResultCode: Int32, Sendable, Error {
    case ok = 0
    case empty = 1
    case invalid = -1
    case config = -2
    case store = -3
    case schema = -4
    case locked = -5
    case xml = -6
    case tooBig = -7
    case limit = -8
    case jid = -9
    case notFor = -10
    case busy = -11
    case notFound = -12
    case full = -13
    case noMemory = -14
    case forked = -15

    public var message: String {
        switch self {
        case .ok: return "success"
        case .empty: return "no event is waiting"
        case .invalid: return "invalid argument"
        case .config: return "invalid configuration"
        case .store: return "the store cannot be opened, read or written"
        case .schema: return "the store was written by a newer version of Nudge"
        case .locked: return "the store is in use by another process"
        case .xml: return "malformed XML or a construct XMPP forbids"
        case .tooBig: return "stanza larger than limits.max_stanza_bytes"
        case .limit: return "stanza exceeds the parser's depth, attribute or memory limits"
        case .jid: return "malformed JID, or bare where a full JID is required"
        case .notFor: return "not a stanza the engine serves"
        case .busy: return "the engine's queue is full"
        case .notFound: return "no such user or registration"
        case .full: return "the disk or the store's maximum size is full"
        case .noMemory: return "out of memory"
        case .forked: return "the engine was opened in another process; open a new one after fork"
        }
    }
}

/// A failure with its details, for nudge_open()'s errmsg and admin replies.
public struct EngineError: Error, Sendable, CustomStringConvertible {
    public let code: ResultCode
    public let message: String
    public init(_ code: ResultCode, _ message: String) { self.code = code; self.message = message }
    public var description: String { message }
}
