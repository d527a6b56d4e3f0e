/// A configuration problem, always naming the key at fault
/// (`server.coalesce_window_s: expected a whole number >= 0, got "x"`).
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ path: String, _ problem: String) { message = path.isEmpty ? problem : "\(path): \(problem)" }
    public var description: String { message }
}
