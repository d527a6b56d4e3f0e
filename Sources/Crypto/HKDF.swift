/// HKDF (RFC 5869) with HMAC-SHA-256, built on `HMACSHA256`. The two steps
/// are public on their own because RFC 8291 derives in stages and its test
/// vector lists the intermediate keys.
public enum HKDF {
    /// Extract then expand: `length` bytes (at most 8160) of output keying
    /// material from `ikm`.
    public static func sha256(salt: [UInt8], ikm: [UInt8], info: [UInt8], length: Int) -> [UInt8] {
        expand(prk: extract(salt: salt, ikm: ikm), info: info, length: length)
    }

    /// HKDF-Extract: the 32-byte pseudorandom key HMAC(salt, ikm).
    public static func extract(salt: [UInt8], ikm: [UInt8]) -> [UInt8] {
        HMACSHA256.mac(key: salt, data: ikm)
    }

    /// HKDF-Expand: T(1)‖T(2)‖… truncated to `length`, where
    /// T(i) = HMAC(prk, T(i-1)‖info‖i).
    public static func expand(prk: [UInt8], info: [UInt8], length: Int) -> [UInt8] {
        precondition(length >= 0 && length <= 255 * 32, "HKDF-SHA-256 output is limited to 8160 bytes, asked for \(length)")
        var output: [UInt8] = []
        output.reserveCapacity(length)
        var block: [UInt8] = []
        var counter: UInt8 = 1
        while output.count < length {
            block = HMACSHA256.mac(key: prk, data: block + info + [counter])
            output.append(contentsOf: block)
            counter &+= 1
        }
        return Array(output.prefix(length))
    }
}
