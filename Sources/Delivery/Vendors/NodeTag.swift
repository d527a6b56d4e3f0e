import NudgeCrypto

/// A short, stable id for a pubsub node, for the vendors' "replace the
/// pending push with the same tag" headers (Web Push `Topic`, WNS
/// `X-WNS-Tag`, UBports `replace_tag`): a newer summary for the device
/// then replaces one it has not received yet.
///
/// A hash rather than the node itself: node names may be long, contain
/// characters the headers do not allow, and are secrets' neighbours that
/// need not travel to the vendor.
enum NodeTag {
    /// Base64url of the first bytes of SHA-256(node), `characters` long
    /// (a multiple of 4, so there is no padding to strip).
    static func tag(_ node: String, characters: Int) -> String {
        Base64URL.encode(Array(digest(node).prefix(characters / 4 * 3)))
    }

    /// Lowercase hex of the first bytes of SHA-256(node), `characters`
    /// long (even), for vendors that take letters and digits only (WNS).
    static func hexTag(_ node: String, characters: Int) -> String {
        Hex.encode(Array(digest(node).prefix(characters / 2)))
    }

    private static func digest(_ node: String) -> [UInt8] {
        SHA256.hash(Array(node.utf8))
    }
}
