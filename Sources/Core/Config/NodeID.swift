import Glibc

/// The name of one engine among those sharing a PostgreSQL database
/// (`store.node_id`). It prefixes the node's own keys and names it in the
/// `nudge_nodes` table and in notifications, so it must be short and
/// hold no separator: letters, digits, `.`, `_` and `-`.
public enum NodeID {
    public static let maxBytes = 64

    /// Why `id` cannot be a node id, or nil when it can.
    public static func problem(_ id: String) -> String? {
        guard !id.isEmpty, id.utf8.count <= maxBytes else {
            return "must be 1 to \(maxBytes) characters (got \(id.utf8.count))"
        }
        guard id.utf8.allSatisfy(allowed) else {
            return "may hold only ASCII letters, digits, '.', '_' and '-'"
        }
        return nil
    }

    /// The machine's host name, cut to the allowed characters, as the
    /// node id when none is configured; "nudge" if there is none.
    public static func hostDefault() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "nudge" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let cut = String(decoding: name.utf8.filter(allowed).prefix(maxBytes), as: UTF8.self)
        return cut.isEmpty ? "nudge" : cut
    }

    private static func allowed(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x2e || c == 0x5f || c == 0x2d
    }
}
