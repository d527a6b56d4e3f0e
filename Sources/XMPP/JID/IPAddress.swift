/// Syntax checks for IP address literals in domainparts.
enum IPAddress {
    /// Dotted-quad IPv4: four decimal numbers 0…255, no leading zeros
    /// (which some resolvers read as octal).
    static func isIPv4(_ text: Substring) -> Bool {
        let parts = text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        for part in parts {
            guard (1...3).contains(part.count),
                  part.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                  part.count == 1 || part.first != UInt8(ascii: "0") else { return false }
            let value = part.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            guard value <= 255 else { return false }
        }
        return true
    }

    /// RFC 4291 §2.2 text forms: eight groups of one to four hex digits,
    /// at most one `::` standing for one or more zero groups, and an
    /// optional dotted-quad IPv4 address in place of the last two groups.
    /// Zone identifiers have no place in a JID.
    static func isIPv6(_ text: Substring) -> Bool {
        let halves = text.split(separator: "::", maxSplits: 1, omittingEmptySubsequences: false)
        guard let head = halves.first else { return false }
        let compressed = halves.count == 2
        guard !compressed || !halves[1].contains("::") else { return false }
        let headGroups = groups(head)
        let tailGroups = compressed ? groups(halves[1]) : []
        guard let headGroups, let tailGroups else { return false }
        let all = headGroups + tailGroups
        var count = 0
        for (index, group) in all.enumerated() {
            if group.contains(".") {
                // Only the final group may be an IPv4 address.
                guard index == all.count - 1, isIPv4(group) else { return false }
                count += 2
            } else {
                guard (1...4).contains(group.count), group.allSatisfy({ $0.isASCII && $0.isHexDigit }) else {
                    return false
                }
                count += 1
            }
        }
        return compressed ? count <= 7 : count == 8
    }

    /// The colon-separated groups of one side of `::`; nil when a group is
    /// empty (a stray single colon).
    private static func groups(_ side: Substring) -> [Substring]? {
        if side.isEmpty { return [] }
        let parts = side.split(separator: ":", omittingEmptySubsequences: false)
        return parts.contains(where: \.isEmpty) ? nil : parts
    }
}
