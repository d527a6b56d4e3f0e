/// Why a string is not a JID.
public struct JIDError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Which part is wrong and how, e.g. "localpart contains '<'".
    public let message: String

    /// An error described by `message`.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
