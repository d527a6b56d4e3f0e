import COpenSSL

/// Access to OpenSSL's per-thread error queue.
///
/// The queue is shared with everything else on the thread that uses OpenSSL
/// (libcurl's TLS on the delivery thread, for one), so every fallible
/// operation clears it first: a reason reported afterwards then belongs to
/// the call that failed, not to whoever failed before.
enum OpenSSLErrors {
    /// Forgets errors queued by earlier, unrelated calls.
    static func clear() { ERR_clear_error() }

    /// Drains the queue and returns its entries in OpenSSL's text form,
    /// oldest first and joined by "; "
    /// (`error:1E08010C:DECODER routines::unsupported; error:068000A8:asn1
    /// encoding routines::wrong tag`), or nil if the queue was empty.
    /// OpenSSL 3's decoders queue a generic entry first and the specific
    /// cause after it, so one entry alone often says too little; more than
    /// four are nested context and are dropped.
    static func drain() -> String? {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            guard reasons.count < 4 else { continue }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if !reasons.contains(text) { reasons.append(text) }
        }
        return reasons.isEmpty ? nil : reasons.joined(separator: "; ")
    }
}

extension CryptoError {
    /// An error for a failed OpenSSL call: `context`, followed by OpenSSL's
    /// reason in parentheses when it queued one.
    static func openSSL(_ context: String) -> CryptoError {
        if let reason = OpenSSLErrors.drain() {
            return CryptoError("\(context) (\(reason))")
        }
        return CryptoError(context)
    }
}
