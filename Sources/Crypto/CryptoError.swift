/// A failure in a cryptographic operation or while loading key material.
///
/// The message is meant for an operator's log: it names what was being done
/// and, when OpenSSL refused, OpenSSL's own reason
/// (`PEM: no private key found (error:1E08010C:DECODER routines::unsupported)`).
public struct CryptoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The complete human-readable message.
    public let message: String
    /// Wraps `message` as an error.
    public init(_ message: String) { self.message = message }
    /// The message, unchanged.
    public var description: String { message }
}
