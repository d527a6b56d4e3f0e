import NudgeCore
import Glibc

/// One thing the host must do, as it leaves through nudge_next_event().
/// Its strings are NUL-terminated copies owned by the event, so the C
/// accessors can hand out pointers that live exactly as long as it does.
public final class Event: @unchecked Sendable {
    public enum Kind: Int32, Sendable { case stanza = 1, disabled = 2, log = 3 }

    public let kind: Kind
    public let level: LogLevel
    public let data: UnsafeMutablePointer<CChar>
    /// Length of `data` in bytes, without the NUL.
    public let length: Int
    public let target: UnsafeMutablePointer<CChar>?

    init(kind: Kind, text: String, target: String?, level: LogLevel = .info) {
        self.kind = kind
        self.level = level
        self.data = strdup(text)
        self.length = text.utf8.count
        self.target = target.map { strdup($0) }
    }

    deinit {
        free(data)
        free(target)
    }

    public var text: String { String(cString: data) }
    public var targetText: String? { target.map { String(cString: $0) } }
}
