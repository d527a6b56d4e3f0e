import COpenSSL

/// Compare secrets without leaking where they differ (length difference is allowed to leak).
///
/// Used for pubsub node secrets and similar tokens: a comparison that stops
/// at the first differing byte would let a remote client find a secret one
/// byte at a time by timing replies. CRYPTO_memcmp is written so that the
/// compiler cannot turn it back into an early-exit loop.
public func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    return withBytes(a) { pa, count in
        withBytes(b) { pb, _ in CRYPTO_memcmp(pa, pb, count) == 0 }
    }
}
