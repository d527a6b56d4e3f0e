import Glibc

/// This process's sockets connected to a loopback port: how a test finds
/// the transport's connections to its server.
enum LoopbackSockets {
    static func connected(toPort port: Int) -> [Int32] {
        (0..<Int32(4096)).filter { fd in
            var address = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let ok = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) == 0 }
            }
            return ok && address.sin_family == sa_family_t(AF_INET) && Int(UInt16(bigEndian: address.sin_port)) == port
        }
    }
}
