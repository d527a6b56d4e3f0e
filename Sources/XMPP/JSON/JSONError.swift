/// Why text is not JSON.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where and what, e.g. "line 3, column 9: expected ',' or '}'".
    public let message: String

    /// An error described by `message`.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
