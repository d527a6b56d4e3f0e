import NudgeXMPP
import NudgeStore
import NudgeCrypto

/// The `<message/>` a Push 2.0 registration's push service gets:
///
///     <message to='service' from='user@domain' id='…'>
///       <notification xmlns='urn:xmpp:push2:0'>
///         <client>…</client><priority>high|normal|low</priority><voip/>?
///         <encrypted xmlns='urn:xmpp:sce:rfc8291:0'><payload>…</payload></encrypted>?
///         <jwt key='…'>…</jwt>?
///       </notification>
///     </message>
///
/// `from` is the user's bare JID, so that the push service's error comes
/// back to the engine (the host routes it there by its id).
enum Push2Notification {
    /// The notification's element for `s` and `reason`; `stanza`: the
    /// fitted stanza to send encrypted, when the registration asks for it.
    static func message(id: String, user: JID, _ reg: Push2Registration, _ s: SummaryRecord, reason: PushReason,
                        now: Int64) throws(CryptoError) -> Element {
        let voip = reason == .call && Push2Registration.isVoIP(s.lastCall, user: user)
        var notification = head(reg, priority: Push2Registration.priority(reason), voip: voip)
        // Wakes and tests carry no stanza: the client is to connect, not read.
        if reason.isStanzaCaused, let fitted = s.lastStanza, let e = reg.encryptedSend {
            // Signed once: the token does not depend on the payload.
            let token = try Push2JWT.token(e, domain: user.domain, now: now)
            let budget = Push2Payload.envelopeBudget(overhead: overhead(id: id, user: user, reg, voip: voip, token: token))
            let body = try WebPushEncryption.encrypt(plaintext: Push2Payload.envelope(fitted, budget: budget),
                                                     uaPublicKey: e.uaPublic, authSecret: e.authSecret)
            notification.append(encrypted(Base64.encode(body)))
            if let (jwt, key) = token { notification.append(jwtElement(jwt, key: key)) }
        }
        return wrap(notification, id: id, user: user, to: reg.service)
    }

    /// The envelope budget of the registration, for cutting a stanza when
    /// it is held: measured with a JWT of the signed one's length, unsigned
    /// (its length depends on neither the time nor the signature).
    static func budget(_ reg: Push2Registration, user: JID, now: Int64) -> Int? {
        guard let e = reg.encryptedSend else { return nil }
        return Push2Payload.envelopeBudget(overhead: overhead(id: EngineInfo.idPrefix + "0000000000000000", user: user, reg,
                                                              voip: true, token: Push2JWT.placeholder(e, domain: user.domain, now: now)))
    }

    /// Bytes of the notification around its payload's base64.
    private static func overhead(id: String, user: JID, _ reg: Push2Registration, voip: Bool,
                                 token: (jwt: String, key: String)?) -> Int {
        var n = head(reg, priority: "normal", voip: voip)
        n.append(encrypted(""))
        if let (jwt, key) = token { n.append(jwtElement(jwt, key: key)) }
        return wrap(n, id: id, user: user, to: reg.service).serializedBytes().count
    }

    private static func head(_ reg: Push2Registration, priority: String, voip: Bool) -> Element {
        var n = Element("notification", namespace: NS.push2)
        var client = Element("client", namespace: NS.push2)
        client.append(text: reg.client)
        n.append(client)
        var p = Element("priority", namespace: NS.push2)
        p.append(text: priority)
        n.append(p)
        if voip { n.append(Element("voip", namespace: NS.push2)) }
        return n
    }

    private static func encrypted(_ base64: String) -> Element {
        var payload = Element("payload", namespace: NS.sceRFC8291)
        payload.append(text: base64)
        return Element("encrypted", namespace: NS.sceRFC8291, children: [.element(payload)])
    }

    private static func jwtElement(_ jwt: String, key: String) -> Element {
        var e = Element("jwt", namespace: NS.push2, attributes: [("key", key)])
        e.append(text: jwt)
        return e
    }

    private static func wrap(_ n: Element, id: String, user: JID, to: String) -> Element {
        Element("message", namespace: NS.client, attributes: [("to", to), ("from", user.bare.description), ("id", id)],
                children: [.element(n)])
    }
}

extension Push2Registration {
    /// The keys of the first match that sends encrypted.
    var encryptedSend: Encrypted? {
        for m in matches { if case .encrypted(let e) = m.send { return e } }
        return nil
    }
}
