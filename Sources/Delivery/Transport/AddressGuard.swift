import CCurl
import NudgeNet
import Glibc

/// One transfer's rule about private addresses (`HTTPRequest.allowPrivateAddresses`),
/// applied where curl has a real address: when it opens a socket, and when
/// it picks a connection already open (one a request that allowed private
/// addresses may have opened to the same host).
struct AddressGuard {
    let allowPrivateAddresses: Bool
    /// The last address refused, and what kind of address it is.
    private(set) var refused: (address: String, kind: String)?
    /// Set once an address passed: the transfer's failure, if any, is then
    /// not (only) the guard's doing, and curl's own message is the one to tell.
    private(set) var passedAny = false

    init(allowPrivateAddresses: Bool) {
        self.allowPrivateAddresses = allowPrivateAddresses
    }

    /// Whether the transfer may use `bytes`/`text`; a refusal is remembered
    /// for the failure message.
    mutating func admit(bytes: [UInt8]?, text: String) -> Bool {
        guard !allowPrivateAddresses else { return true }
        guard let bytes else {
            refused = (text, "not an IP address")
            return false
        }
        if let kind = NonPublicAddress.kind(bytes) {
            refused = (text, kind)
            return false
        }
        passedAny = true
        return true
    }

    /// Whether the transfer may use a connection to `remoteIP`, as curl
    /// reports it ("10.0.0.5", "::1").
    mutating func admit(remoteIP: String) -> Bool {
        guard !allowPrivateAddresses else { return true }
        return admit(bytes: IPAddress.bytes(remoteIP), text: remoteIP)
    }

    /// Whether curl may open a socket to `socket`'s address.
    mutating func admit(socket: UnsafePointer<curl_sockaddr>) -> Bool {
        guard !allowPrivateAddresses else { return true }
        guard let (bytes, text) = Self.address(socket) else {
            return admit(bytes: nil, text: "an address of family \(socket.pointee.family)")
        }
        return admit(bytes: bytes, text: text)
    }

    /// What the caller gets instead of curl's "could not connect" or
    /// "aborted by callback" when only refused addresses were tried.
    var failure: HTTPFailure? {
        guard let refused, !passedAny else { return nil }
        return HTTPFailure(kind: .connect,
                           message: "refusing to connect to \(refused.address): \(refused.kind) (allow_private_addresses is off)",
                           refusedAddress: refused.address)
    }

    /// The IP address in a `curl_sockaddr`, whose `addr` member is declared
    /// as a `struct sockaddr` but is followed by room for an IPv6 address.
    static func address(_ socket: UnsafePointer<curl_sockaddr>) -> (bytes: [UInt8], text: String)? {
        guard let offset = MemoryLayout<curl_sockaddr>.offset(of: \curl_sockaddr.addr) else { return nil }
        let raw = UnsafeRawPointer(socket) + offset
        let length = Int(socket.pointee.addrlen)
        switch socket.pointee.family {
        case AF_INET where length >= MemoryLayout<sockaddr_in>.size:
            var address = raw.loadUnaligned(as: sockaddr_in.self).sin_addr
            let bytes = withUnsafeBytes(of: &address) { Array($0) }
            return CurlConnectionKey.text(AF_INET, &address).map { (bytes, $0) }
        case AF_INET6 where length >= MemoryLayout<sockaddr_in6>.size:
            var address = raw.loadUnaligned(as: sockaddr_in6.self).sin6_addr
            let bytes = withUnsafeBytes(of: &address) { Array($0) }
            return CurlConnectionKey.text(AF_INET6, &address).map { (bytes, $0) }
        default:
            return nil
        }
    }
}
