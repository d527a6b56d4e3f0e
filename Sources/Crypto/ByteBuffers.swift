/// Calls `body` with a pointer to `bytes` that is never nil, even for an
/// empty array: several OpenSSL functions reject a NULL buffer although
/// its length is zero (an empty HMAC key, an empty plaintext).
func withBytes<R, E: Error>(
    _ bytes: [UInt8], _ body: (UnsafePointer<UInt8>, Int) throws(E) -> R
) throws(E) -> R {
    if bytes.isEmpty {
        var placeholder: UInt8 = 0
        return try withUnsafePointer(to: &placeholder) { (pointer) throws(E) -> R in try body(pointer, 0) }
    }
    return try bytes.withUnsafeBufferPointer { (buffer) throws(E) -> R in
        try body(buffer.baseAddress!, buffer.count)
    }
}
