import NudgeXMPP
import NudgeStore
import NudgeCrypto

/// The plaintext of Push 2.0's encrypted send profile: the pushed stanza
/// in a XEP-0297 `<forwarded/>` inside a XEP-0420 `<envelope/>` with
/// random `<rpad/>`, cut so that the whole notification stays within
/// push2.markdown's 4096 bytes. Cutting drops what a notification does
/// not show first, then shortens the body, then keeps only the body, the
/// archive id and call or invitation elements; the archive id always
/// stays, so the client can fetch the rest from its archive.
enum Push2Payload {
    /// push2.markdown's limit for the notification stanza.
    static let maxNotificationBytes = 4096
    /// Room for what a host adds while routing (a `from`, an `xmlns`).
    static let routingMargin = 96
    /// RFC 8291's header and RFC 8188's delimiter and tag.
    static let encryptionOverhead = WebPushEncryption.headerLength + 1 + AES128GCM.tagLength
    /// Envelopes are padded up to a multiple of this, so that the length
    /// of a notification tells little about the message.
    static let paddingBlock = 256
    static let envelopeOpen = "<envelope xmlns='\(NS.sce)'><content><forwarded xmlns='\(NS.forward)'>"
    static let envelopeClose = "</forwarded></content>"

    /// Children a cut stanza keeps, by namespace (and `body`, `thread`).
    static let kept: Set<String> = [NS.client, NS.oob, NS.stanzaID, NS.omemoLegacy, NS.omemo2, NS.legacyPGP,
                                    NS.openpgp, NS.sce, NS.jingleMessage, NS.conference, NS.reply, NS.reference]
    /// What the last cut keeps.
    static let essential: Set<String> = [NS.stanzaID, NS.jingleMessage, NS.conference]

    /// The longest envelope (in bytes) a notification of `overhead` bytes
    /// without its payload can carry.
    static func envelopeBudget(overhead: Int) -> Int {
        let base64 = maxNotificationBytes - routingMargin - overhead
        return max(0, base64 / 4 * 3 - encryptionOverhead)
    }

    /// The stanza as a `jabber:client` element, cut to fit an envelope of
    /// `budget` bytes; nil when not even the essentials fit.
    static func fit(_ stanza: Element, budget: Int) -> String? {
        var s = inClientNamespace(stanza)
        func size(_ e: Element) -> Int { envelopeOpen.utf8.count + e.serializedBytes().count + envelopeClose.utf8.count + "</envelope>".utf8.count }
        if size(s) <= budget { return s.serialized() }
        s.children = s.children.filter { node in
            guard case .element(let e) = node else { return false }
            return kept.contains(e.namespace)
        }
        if size(s) <= budget { return s.serialized() }
        if let body = s.child("body", namespace: NS.client)?.text {
            // Shorten the body by what is too much, and mark the cut.
            let over = size(s) - budget
            let target = max(0, body.utf8.count - over - "…".utf8.count)
            s = replacingBody(s, with: target > 0 ? body.utf8Prefix(target) + "…" : nil)
            if size(s) <= budget { return s.serialized() }
        }
        s.children = s.children.filter { node in
            guard case .element(let e) = node else { return false }
            return essential.contains(e.namespace) || (e.name == "body" && e.namespace == NS.client)
        }
        if size(s) <= budget { return s.serialized() }
        s = replacingBody(s, with: nil)
        return size(s) <= budget ? s.serialized() : nil
    }

    /// The envelope bytes for a fitted stanza, padded with random `rpad`
    /// towards the next block while it stays within `budget`.
    static func envelope(_ fitted: String, budget: Int) -> [UInt8] {
        let plain = envelopeOpen + fitted + envelopeClose
        let bare = plain.utf8.count + "</envelope>".utf8.count
        let rpadTags = "<rpad></rpad>".utf8.count
        let target = min(budget, (bare + rpadTags + paddingBlock - 1) / paddingBlock * paddingBlock)
        let room = target - bare - rpadTags
        guard room >= 4 else { return Array((plain + "</envelope>").utf8) }
        let pad = Base64.encode(SecureRandom.bytes(room / 4 * 3))
        return Array((plain + "<rpad>" + pad + "</rpad></envelope>").utf8)
    }

    /// The stanza with every element that had no namespace in
    /// `jabber:client`, as a stanza from a host's queue may come.
    static func inClientNamespace(_ e: Element) -> Element {
        var out = e
        if out.namespace.isEmpty { out.namespace = NS.client }
        out.children = e.children.map { node in
            guard case .element(let child) = node, child.namespace.isEmpty else { return node }
            return .element(inClientNamespace(child))
        }
        return out
    }

    private static func replacingBody(_ s: Element, with text: String?) -> Element {
        var out = s
        out.children = s.children.compactMap { node in
            guard case .element(let e) = node, e.name == "body", e.namespace == NS.client else { return node }
            guard let text else { return nil }
            var body = Element("body", namespace: NS.client, attributes: e.attributes.map { ($0.name, $0.value) })
            body.append(text: text)
            return .element(body)
        }
        return out
    }
}
