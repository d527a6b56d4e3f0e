import COpenSSL

/// One-shot digests through OpenSSL's EVP_Digest: the one place SHA1 and
/// SHA256 call.
enum Digest {
    static func hash(_ data: [UInt8], _ md: OpaquePointer?, size: Int, name: String) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: size)
        var length: UInt32 = 0
        let ok = withBytes(data) { pointer, count in
            EVP_Digest(pointer, count, &digest, &length, md, nil)
        }
        // EVP_Digest with a built-in digest fails only when memory runs
        // out; there is no sensible digest to return instead.
        guard ok == 1, length == size else { fatalError("\(name) failed: \(CryptoError.openSSL("EVP_Digest"))") }
        return digest
    }
}
