import Glibc

/// Which IP addresses are not on the public internet, for requests whose
/// URL came from outside (Web Push endpoints) and must not reach the
/// host's own services or its local network (SSRF).
///
/// The same ranges as the app server's `EndpointPolicy`, which checks
/// literal hosts at registration; this one checks the address a name
/// resolved to, at connect time, where DNS cannot trick it.
enum PrivateAddress {
    /// What kind of non-public address `bytes` is (4 bytes IPv4 or 16 bytes
    /// IPv6, network order), e.g. "a private address"; nil for a public one.
    static func kind(_ bytes: [UInt8]) -> String? {
        switch bytes.count {
        case 4: return kind(ipv4: bytes)
        case 16: return kind(ipv6: bytes)
        default: return "not an IP address"
        }
    }

    static func kind(ipv4 b: [UInt8]) -> String? {
        switch (b[0], b[1]) {
        case (0, _): return "an unspecified address"
        case (127, _): return "a loopback address"
        case (10, _), (172, 16...31), (192, 168): return "a private address"
        // Carrier-grade NAT (RFC 6598), also used by overlay networks.
        case (100, 64...127): return "a shared address"
        case (169, 254): return "a link-local address"
        case (224...239, _): return "a multicast address"
        case (240...255, _): return "a reserved address"
        default: return nil
        }
    }

    static func kind(ipv6 b: [UInt8]) -> String? {
        let head = b[0..<10].allSatisfy { $0 == 0 }
        if head && b[10] == 0xFF && b[11] == 0xFF {
            // IPv4-mapped ::ffff:a.b.c.d: a connection to the IPv4 address.
            return kind(ipv4: Array(b[12...]))
        }
        if head && b[10] == 0 && b[11] == 0 {
            if b[12...].allSatisfy({ $0 == 0 }) { return "an unspecified address" }
            if b[12..<15].allSatisfy({ $0 == 0 }) && b[15] == 1 { return "a loopback address" }
            // Deprecated IPv4-compatible ::a.b.c.d, judged by its IPv4 part.
            return kind(ipv4: Array(b[12...]))
        }
        // NAT64 (RFC 6052, 64:ff9b::/96) reaches the embedded IPv4 address.
        if b[0..<12] == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0] {
            return kind(ipv4: Array(b[12...]))
        }
        switch b[0] {
        case 0xFC, 0xFD: return "a unique local address"
        case 0xFE where b[1] & 0xC0 == 0x80: return "a link-local address"
        // Site-local fec0::/10: deprecated, but still means "this site".
        case 0xFE where b[1] & 0xC0 == 0xC0: return "a private address"
        case 0xFF: return "a multicast address"
        default: return nil
        }
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
