/// Why a stanza could not be read.
public struct XMLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of failure, so callers can map it to a result code
    /// without reading the message.
    public enum Kind: Sendable, Equatable {
        /// Larger than `XMLLimits.maxBytes`.
        case tooLarge
        /// Not well-formed XML, not UTF-8, or not exactly one element.
        case malformed
        /// Well-formed but a construct RFC 6120 §11.1 forbids: DOCTYPE,
        /// entity declarations, comments, processing instructions.
        case forbidden
        /// Nested deeper than `XMLLimits.maxDepth`.
        case tooDeep
        /// An element with more than `XMLLimits.maxAttributes` attributes.
        case tooManyAttributes
        /// The parser needed more than `XMLLimits.maxAllocationBytes`.
        case outOfMemory
    }

    /// The class of failure.
    public let kind: Kind
    /// What went wrong and where, for a log line.
    public let message: String

    /// An error of `kind` described by `message`.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
