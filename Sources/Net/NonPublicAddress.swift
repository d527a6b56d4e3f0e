/// Which IP addresses are not on the public internet: the one table of
/// these ranges. The app server checks an endpoint's literal host with it
/// when a device registers; the transport checks the address a name
/// resolved to, at connect time, where DNS cannot trick it. One table, so
/// both refuse exactly the same addresses.
public enum NonPublicAddress {
    /// What kind of non-public address `b` is (4 bytes IPv4 or 16 bytes
    /// IPv6, network order), e.g. "a private address"; nil for a public one.
    public static func kind(_ b: [UInt8]) -> String? {
        guard b.count == 4 || b.count == 16 else { return "not an IP address" }
        if b.count == 4 {
            switch (b[0], b[1]) {
            case (0, _): return "an unspecified address"
            case (127, _): return "a loopback address"
            case (10, _), (172, 16...31), (192, 168): return "a private address"
            case (100, 64...127): return "a shared address"
            case (169, 254): return "a link-local address"
            case (224...239, _): return "a multicast address"
            case (240...255, _): return "a reserved address"
            default: return nil
            }
        }
        let head = b[0..<10].allSatisfy { $0 == 0 }
        if head && b[10] == 0xFF && b[11] == 0xFF { return kind(Array(b[12...])) }
        if head && b[10] == 0 && b[11] == 0 {
            if b[12...].allSatisfy({ $0 == 0 }) { return "an unspecified address" }
            if b[12..<15].allSatisfy({ $0 == 0 }) && b[15] == 1 { return "a loopback address" }
            return kind(Array(b[12...]))
        }
        if b[0..<12] == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0] { return kind(Array(b[12...])) }
        switch b[0] {
        case 0xFC, 0xFD: return "a unique local address"
        case 0xFE where b[1] & 0xC0 == 0x80: return "a link-local address"
        case 0xFE where b[1] & 0xC0 == 0xC0: return "a private address"
        case 0xFF: return "a multicast address"
        default: return nil
        }
    }
}
