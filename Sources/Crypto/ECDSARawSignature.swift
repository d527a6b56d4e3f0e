import COpenSSL

/// Converts ECDSA P-256 signatures between OpenSSL's DER
/// (`SEQUENCE { r INTEGER, s INTEGER }`) and JWS's fixed 64-byte r‖s
/// (RFC 7518 section 3.4), which APNs and Web Push services require.
enum ECDSARawSignature {
    static let scalarLength = 32

    /// DER → r‖s, each left-padded with zeros to 32 bytes (DER drops
    /// leading zeros, so r or s is shorter in about 1 of 128 signatures).
    static func fromDER(_ der: [UInt8]) throws(CryptoError) -> [UInt8] {
        let parsed: OpaquePointer? = withBytes(der) { pointer, count in
            var cursor: UnsafePointer<UInt8>? = pointer
            return d2i_ECDSA_SIG(nil, &cursor, count)
        }
        guard let sig = parsed else { throw CryptoError.openSSL("ES256: cannot parse the DER signature") }
        defer { ECDSA_SIG_free(sig) }
        guard let r = ECDSA_SIG_get0_r(sig), let s = ECDSA_SIG_get0_s(sig) else {
            throw CryptoError("ES256: signature lacks r or s")
        }
        var raw = [UInt8](repeating: 0, count: 2 * scalarLength)
        let written = raw.withUnsafeMutableBufferPointer { buffer in
            (BN_bn2binpad(r, buffer.baseAddress, Int32(scalarLength)),
             BN_bn2binpad(s, buffer.baseAddress! + scalarLength, Int32(scalarLength)))
        }
        guard written.0 == Int32(scalarLength), written.1 == Int32(scalarLength) else {
            throw CryptoError.openSSL("ES256: r or s does not fit in 32 bytes")
        }
        return raw
    }

    /// r‖s → DER, or nil if `raw` is not 64 bytes.
    static func toDER(_ raw: [UInt8]) throws(CryptoError) -> [UInt8]? {
        guard raw.count == 2 * scalarLength else { return nil }
        guard let sig = ECDSA_SIG_new() else { throw CryptoError.openSSL("ES256: out of memory") }
        defer { ECDSA_SIG_free(sig) }
        let r = withBytes(Array(raw[..<scalarLength])) { BN_bin2bn($0, Int32($1), nil) }
        let s = withBytes(Array(raw[scalarLength...])) { BN_bin2bn($0, Int32($1), nil) }
        // ECDSA_SIG_set0 takes ownership of both numbers only on success.
        guard let r, let s, ECDSA_SIG_set0(sig, r, s) == 1 else {
            BN_free(r)
            BN_free(s)
            throw CryptoError.openSSL("ES256: out of memory")
        }
        let length = i2d_ECDSA_SIG(sig, nil)
        guard length > 0 else { throw CryptoError.openSSL("ES256: cannot encode the signature") }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return i2d_ECDSA_SIG(sig, &cursor)
        }
        guard written == length else { throw CryptoError.openSSL("ES256: cannot encode the signature") }
        return der
    }
}
