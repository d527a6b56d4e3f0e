import Glibc
import NudgeEngine

/// Which IP addresses are not on the public internet, for requests whose
/// URL came from outside (Web Push endpoints) and must not reach the
/// host's own services or its local network (SSRF).
///
/// Registration checks literal hosts; this checks the address a name
/// resolved to, at connect time, where DNS cannot trick it.
enum PrivateAddress {
    /// What kind of non-public address `bytes` is (4 bytes IPv4 or 16 bytes
    /// IPv6, network order), e.g. "a private address"; nil for a public one.
    /// The ranges are the app server's (`EndpointPolicy`), so registration
    /// and connection refuse exactly the same addresses.
    static func kind(_ bytes: [UInt8]) -> String? {
        EndpointPolicy.nonPublicKind(bytes)
    }

    /// The bytes of a numeric address as curl reports it ("10.0.0.5",
    /// "::1"), or nil for anything else.
    static func bytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }
}
