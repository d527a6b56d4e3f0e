/// Validation and normalisation of the three parts of a JID.
enum JIDPart {
    /// RFC 7622 §3.1: each part is 1 to 1023 bytes once prepared.
    static let maxBytes = 1023

    /// Characters RFC 7622 §3.3.1 excludes from localparts, beyond the
    /// whitespace and controls excluded by the IdentifierClass.
    private static let forbiddenInLocalpart: Set<Unicode.Scalar> = ["\"", "&", "'", "/", ":", "<", ">", "@"]

    static func localpart(_ raw: String) throws(JIDError) -> String {
        guard !raw.isEmpty else { throw JIDError("localpart is empty") }
        for scalar in raw.unicodeScalars {
            if forbiddenInLocalpart.contains(scalar) || isWhitespaceOrControl(scalar) {
                throw JIDError("localpart contains \(describe(scalar))")
            }
        }
        let local = raw.lowercased()
        guard local.utf8.count <= maxBytes else {
            throw JIDError("localpart is longer than \(maxBytes) bytes")
        }
        return local
    }

    static func resourcepart(_ resource: String) throws(JIDError) -> String {
        guard !resource.isEmpty else { throw JIDError("resource is empty") }
        for scalar in resource.unicodeScalars where isControl(scalar) {
            throw JIDError("resource contains \(describe(scalar))")
        }
        guard resource.utf8.count <= maxBytes else {
            throw JIDError("resource is longer than \(maxBytes) bytes")
        }
        return resource
    }

    static func domainpart(_ raw: String) throws(JIDError) -> String {
        var domain = Substring(raw)
        // RFC 7622 §3.2: a fully qualified name's final dot is not part of
        // the JID.
        if domain.last == "." { domain = domain.dropLast() }
        guard !domain.isEmpty else { throw JIDError("domain is empty") }
        guard domain.utf8.count <= maxBytes else {
            throw JIDError("domain is longer than \(maxBytes) bytes")
        }
        if domain.first == "[" {
            guard domain.last == "]", domain.count >= 2,
                  IPAddress.isIPv6(domain.dropFirst().dropLast()) else {
                throw JIDError("domain is not a valid IPv6 literal")
            }
            return domain.lowercased()
        }
        for scalar in domain.unicodeScalars where !isAllowedInDomain(scalar) {
            throw JIDError("domain contains \(describe(scalar))")
        }
        let name = domain.lowercased()
        var labels = 0
        var allNumeric = true
        for label in name.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard !label.isEmpty else { throw JIDError("domain has an empty label") }
            guard label.count <= 63 else { throw JIDError("domain label longer than 63 bytes") }
            labels += 1
            if !label.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
                allNumeric = false
            }
        }
        // Four numeric labels can only mean an IPv4 address, so hold them to
        // that syntax rather than accept 999.1.1.1 as a host name.
        if allNumeric && labels == 4 && !IPAddress.isIPv4(Substring(name)) {
            throw JIDError("domain is not a valid IPv4 address")
        }
        return name
    }

    /// Domain names are letters, digits, hyphens and dots (underscores too,
    /// which some deployments use for components); any other ASCII
    /// character cannot appear in a host name. Non-ASCII letters are left
    /// to IDNA, which is not applied here, except for spaces and controls.
    private static func isAllowedInDomain(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "-", ".", "_": return true
            default: return false
            }
        }
        return !isWhitespaceOrControl(scalar)
    }

    // JIDs are checked on every stanza and are nearly always ASCII, which
    // is answered here without the Unicode property tables.

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return scalar.value < 0x20 || scalar.value == 0x7F }
        return scalar.properties.generalCategory == .control
    }

    private static func isWhitespaceOrControl(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return scalar.value <= 0x20 || scalar.value == 0x7F }
        return scalar.properties.generalCategory == .control || scalar.properties.isWhitespace
    }

    /// A character as an error message shows it: quoted when visible, by
    /// code point when it would be invisible or confusing.
    private static func describe(_ scalar: Unicode.Scalar) -> String {
        if isWhitespaceOrControl(scalar) {
            let hex = String(scalar.value, radix: 16, uppercase: true)
            return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }
        return "'\(scalar)'"
    }
}
