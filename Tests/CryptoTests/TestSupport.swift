import NudgeCrypto
import Testing

/// Decodes a hex literal from a test vector; a typo in the vector is a bug
/// in the test, so it stops the run.
func hex(_ text: String) -> [UInt8] {
    guard let bytes = Hex.decode(text) else { fatalError("bad hex literal in test: \(text)") }
    return bytes
}

/// Decodes a base64url literal from a test vector (RFC 8291, RFC 8292).
func b64u(_ text: String) -> [UInt8] {
    guard let bytes = Base64URL.decode(text) else { fatalError("bad base64url literal in test: \(text)") }
    return bytes
}

/// Runs `body` and returns the CryptoError it throws, or nil if it
/// succeeds. Any other error type is a failure of the API's typed throws.
func cryptoError<T>(_ body: () throws -> T) -> CryptoError? {
    do {
        _ = try body()
        return nil
    } catch let error as CryptoError {
        return error
    } catch {
        Issue.record("expected a CryptoError, got \(error)")
        return nil
    }
}
