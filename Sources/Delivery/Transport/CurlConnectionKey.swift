import Glibc

/// One TCP connection, named by its two endpoints: what curl reports before
/// a request (CURLOPT_PREREQFUNCTION) and what the socket says when it
/// closes, so both can be matched without curl's private connection ids.
struct CurlConnectionKey: Hashable {
    let local: String
    let remote: String

    init(localIP: String, localPort: Int, remoteIP: String, remotePort: Int) {
        local = "\(localIP) \(localPort)"
        remote = "\(remoteIP) \(remotePort)"
    }

    /// The key of a connected socket; nil if it never connected.
    init?(socket fd: Int32) {
        guard let local = Self.endpoint(fd, getsockname), let remote = Self.endpoint(fd, getpeername) else { return nil }
        self.local = local
        self.remote = remote
    }

    private static func endpoint(
        _ fd: Int32, _ query: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32
    ) -> String? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { query(fd, $0, &length) == 0 }
        }
        guard ok else { return nil }
        let family = Int32(storage.ss_family)
        return withUnsafePointer(to: &storage) { raw -> String? in
            switch family {
            case AF_INET:
                return raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { a in
                    var address = a.pointee.sin_addr
                    return text(AF_INET, &address).map { "\($0) \(UInt16(bigEndian: a.pointee.sin_port))" }
                }
            case AF_INET6:
                return raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { a in
                    var address = a.pointee.sin6_addr
                    return text(AF_INET6, &address).map { "\($0) \(UInt16(bigEndian: a.pointee.sin6_port))" }
                }
            default:
                return nil
            }
        }
    }

    /// The same text form curl uses (inet_ntop), so the keys compare equal.
    static func text(_ family: Int32, _ address: UnsafeRawPointer) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let count = buffer.count
        let ok = buffer.withUnsafeMutableBufferPointer { inet_ntop(family, address, $0.baseAddress, socklen_t(count)) != nil }
        guard ok else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
