/// Log levels, numbered as NUDGE_LOG_* in nudge.h.
public enum LogLevel: Int32, Sendable, Comparable, CaseIterable {
    case debug = 0, info = 1, warn = 2, error = 3

    public init?(name: String) {
        switch name {
        case "debug": self = .debug
        case "info": self = .info
        case "warn", "warning": self = .warn
        case "error": self = .error
        default: return nil
        }
    }

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
}
