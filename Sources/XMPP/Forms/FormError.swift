/// Why an element is not a usable data form, or a field not the value
/// asked for.
public struct FormError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, naming the field where there is one.
    public let message: String

    /// An error described by `message`.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
