/// RFC 6120 §8.3 stanza errors.
public enum StanzaError {
    /// The error reply to `original`: a stanza of the same kind (an `iq`
    /// for an `iq`) with `type='error'`, addressed back to the sender
    /// (`to` and `from` swapped, same `id`), carrying only the error: the
    /// original payload is not echoed, which RFC 6120 permits and which
    /// keeps replies small.
    ///
    ///     <error type='{type}'>
    ///       <{condition} xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
    ///       <text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>{text}</text>
    ///     </error>
    ///
    /// - Parameters:
    ///   - type: `cancel`, `continue`, `modify`, `auth` or `wait`.
    ///   - condition: the defined condition, e.g. `service-unavailable`.
    ///   - text: a human-readable explanation, omitted when nil.
    public static func reply(to original: Element, type: String, condition: String, text: String? = nil)
        -> Element {
        var error = Element("error", attributes: [("type", type)])
        error.append(Element(condition, namespace: NS.stanzas))
        if let text {
            error.append(Element("text", namespace: NS.stanzas, children: [.text(text)]))
        }
        var reply = addressedReply(to: original, type: "error")
        reply.append(error)
        return reply
    }
}

/// The `result` reply to an iq `original`: `to` and `from` swapped, the
/// same `id`, and `payload` as its only child when given.
public func iqResult(to original: Element, payload: Element? = nil) -> Element {
    var result = addressedReply(to: original, type: "result")
    if let payload {
        result.append(payload)
    }
    return result
}

/// An empty stanza named like `original`, of `type`, going back where
/// `original` came from. It has no namespace of its own, so it takes the
/// stream's when the host writes it.
func addressedReply(to original: Element, type: String) -> Element {
    var reply = Element(original.name, attributes: [("type", type)])
    if let from = original[attribute: "from"] { reply[attribute: "to"] = from }
    if let to = original[attribute: "to"] { reply[attribute: "from"] = to }
    if let id = original[attribute: "id"] { reply[attribute: "id"] = id }
    return reply
}
