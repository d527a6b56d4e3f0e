import COpenSSL
import Glibc

/// Cryptographically secure random bytes for keys, salts, node secrets and ids.
public enum SecureRandom {
    /// `count` random bytes from OpenSSL's DRBG.
    ///
    /// If RAND_bytes fails (a broken provider configuration, say), the bytes
    /// come from the kernel through getrandom(2) instead, so callers never
    /// handle an error for something that cannot reasonably fail. Only if the
    /// kernel refuses as well does the process stop: predictable bytes in
    /// place of a secret would be worse than a crash.
    public static func bytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0, "SecureRandom.bytes: negative count \(count)")
        var out = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return out }
        // RAND_bytes takes an int; larger requests go straight to the kernel.
        if count <= Int(Int32.max),
           out.withUnsafeMutableBufferPointer({ RAND_bytes($0.baseAddress, Int32($0.count)) == 1 }) {
            return out
        }
        OpenSSLErrors.clear()
        out.withUnsafeMutableBufferPointer { buffer in
            var filled = 0
            while filled < buffer.count {
                // Blocking mode (no flags) waits only until the kernel's pool
                // is first seeded; afterwards it returns at once. Large
                // requests may return short or be interrupted: loop.
                let got = getrandom(buffer.baseAddress! + filled, buffer.count - filled, 0)
                if got > 0 {
                    filled += got
                } else if got < 0, errno != EINTR {
                    fatalError("SecureRandom: RAND_bytes and getrandom(2) both failed (errno \(errno))")
                }
            }
        }
        return out
    }

    /// A base64url string (no padding) of `bytes` random bytes, for
    /// identifiers and secrets that travel in XML or URLs.
    public static func token(bytes: Int) -> String {
        Base64URL.encode(Self.bytes(bytes))
    }
}
