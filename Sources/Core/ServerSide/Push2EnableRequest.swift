import NudgeXMPP
import NudgeStore
import NudgeCrypto

/// A validated Push 2.0 `<enable xmlns='urn:xmpp:push2:0'>`: the push
/// service, the client string and the match rules, as push2.markdown
/// (prosody-modules' mod_push2) describes them and the Snikket SDK
/// (borogove/queries/Push2Enable.hx) sends them. Anything not understood
/// is refused, so that a client never believes in a rule nobody applies.
enum Push2EnableRequest {
    /// The `<client/>` travels in every notification, which must fit in
    /// 4096 bytes (Push2Payload).
    static let maxClientBytes = 1024
    static let maxMatches = 8
    static let maxFilters = EnableExtensions.maxListItems
    static let maxClaims = 16
    static let maxClaimBytes = 1024
    /// A week: longer than any phone stays away from its other devices.
    static let maxGraceSeconds: UInt32 = 7 * 86_400
    static let profiles: [String: Push2Registration.Profile] = [
        NS.push2MatchAll: .all, NS.push2MatchImportant: .important,
        NS.push2MatchArchived: .archived, NS.push2MatchArchivedWithBody: .archivedWithBody,
    ]
    /// A profile's URI.
    static func profileName(_ profile: Push2Registration.Profile) -> String {
        profiles.first { $0.value == profile }?.key ?? "?"
    }

    /// The disco features: the protocol and every profile served.
    static let discoFeatures = [NS.push2, NS.push2MatchAll, NS.push2MatchImportant, NS.push2MatchArchived,
                                NS.push2MatchArchivedWithBody, NS.push2SendNotifyOnly, NS.push2SendSCE]

    /// Returns nil after queueing the precise error reply.
    static func parse(_ enable: Element, iq: Element, user: JID, step: inout Step) -> Push2Registration? {
        func refuse(_ type: String, _ condition: String, _ text: String) -> Push2Registration? {
            step.refuse(iq, type, condition, text)
            return nil
        }
        guard let serviceElement = only(enable, "service"), let serviceText = Optional(serviceElement.text.trimmed), !serviceText.isEmpty else {
            return refuse("modify", "bad-request", "enable needs exactly one <service/>: the push service's JID")
        }
        let service: JID
        do { service = try JID(serviceText) } catch {
            return refuse("modify", "jid-malformed", "service: \(error.message)")
        }
        guard service.bare != user.bare else {
            return refuse("modify", "bad-request", "service: the push service cannot be the account itself")
        }
        guard let clientElement = only(enable, "client"), !clientElement.text.isEmpty else {
            return refuse("modify", "bad-request", "enable needs exactly one <client/>: the push service's name for this client")
        }
        let client = clientElement.text.trimmed
        guard !client.isEmpty, client.utf8.count <= maxClientBytes else {
            return refuse("modify", "bad-request", "client: between 1 and \(maxClientBytes) bytes")
        }
        let matchElements = enable.children("match", namespace: NS.push2)
        guard !matchElements.isEmpty else {
            return refuse("modify", "bad-request", "enable needs at least one <match profile='…'/>")
        }
        guard matchElements.count <= maxMatches else {
            return refuse("modify", "not-acceptable", "at most \(maxMatches) <match/> elements")
        }
        var matches: [Push2Registration.Match] = []
        for m in matchElements {
            guard let match = parseMatch(m, iq: iq, step: &step) else { return nil }
            matches.append(match)
        }
        return Push2Registration(service: service.description, client: client, matches: matches)
    }

    private static func only(_ e: Element, _ name: String) -> Element? {
        let found = e.children(name, namespace: NS.push2)
        return found.count == 1 ? found[0] : nil
    }

    private static func parseMatch(_ m: Element, iq: Element, step: inout Step) -> Push2Registration.Match? {
        func refuse(_ type: String, _ condition: String, _ text: String) -> Push2Registration.Match? {
            step.refuse(iq, type, condition, text)
            return nil
        }
        guard let profileText = m[attribute: "profile"], !profileText.isEmpty else {
            return refuse("modify", "bad-request", "match needs a 'profile' attribute")
        }
        guard let profile = profiles[profileText] else {
            return refuse("cancel", "feature-not-implemented", "match profile '\(profileText.prefix(128))' is not served here")
        }
        var grace: UInt32?
        let graces = m.children("grace", namespace: NS.push2)
        if graces.count > 1 { return refuse("modify", "bad-request", "more than one <grace/> in a match") }
        if let g = graces.first {
            // The Snikket SDK sends none for no grace; a negative one it never sends.
            guard let seconds = UInt32(g.text.trimmed), seconds <= maxGraceSeconds else {
                return refuse("modify", "bad-request", "grace '\(g.text.prefix(32))' is not a number of seconds up to \(maxGraceSeconds)")
            }
            grace = seconds == 0 ? nil : seconds
        }
        var filters: [Push2Registration.Filter] = []
        for f in m.children("filter", namespace: NS.push2) {
            guard let text = f[attribute: "jid"], !text.isEmpty else {
                return refuse("modify", "bad-request", "filter needs a 'jid' attribute")
            }
            let jid: JID
            do { jid = try JID(text) } catch {
                return refuse("modify", "jid-malformed", "filter '\(text.prefix(64))': \(error.message)")
            }
            guard jid.resource == nil else {
                return refuse("modify", "jid-malformed", "filter '\(text.prefix(64))' is not a bare JID")
            }
            guard !filters.contains(where: { $0.jid == jid.description }) else {
                return refuse("modify", "bad-request", "filter \(jid) is listed twice in a match")
            }
            filters.append(.init(jid: jid.description, mention: f.child("mention", namespace: NS.push2) != nil,
                                 reply: f.child("reply", namespace: NS.push2) != nil))
        }
        guard filters.count <= maxFilters else {
            return refuse("modify", "not-acceptable", "at most \(maxFilters) filters in a match")
        }
        let sends = m.elements.filter { $0.name == "send" }
        guard sends.count == 1, let send = sends.first else {
            return refuse("modify", "bad-request", "match needs exactly one <send xmlns='…'/>: the send profile")
        }
        switch send.namespace {
        case NS.push2SendNotifyOnly:
            return .init(profile: profile, graceSeconds: grace, filters: filters, send: .notifyOnly)
        case NS.push2SendSCE:
            guard let encrypted = parseEncrypted(send, iq: iq, step: &step) else { return nil }
            return .init(profile: profile, graceSeconds: grace, filters: filters, send: .encrypted(encrypted))
        default:
            return refuse("cancel", "feature-not-implemented", "send profile '\(send.namespace.prefix(128))' is not served here")
        }
    }

    private static func parseEncrypted(_ send: Element, iq: Element, step: inout Step) -> Push2Registration.Encrypted? {
        func refuse(_ type: String, _ condition: String, _ text: String) -> Push2Registration.Encrypted? {
            step.refuse(iq, type, condition, text)
            return nil
        }
        let ns = NS.push2SendSCE
        guard let uaText = send.child("ua-public", namespace: ns)?.text, let ua = lenientBase64(uaText) else {
            return refuse("modify", "bad-request", "send: <ua-public/> needs the base64 P-256 public key")
        }
        do { _ = try P256PublicKey(ua) } catch {
            return refuse("modify", "not-acceptable", "send: ua-public is not a P-256 point (65 bytes uncompressed): \(error.message)")
        }
        guard let authText = send.child("auth-secret", namespace: ns)?.text, let auth = lenientBase64(authText) else {
            return refuse("modify", "bad-request", "send: <auth-secret/> needs the base64 auth secret")
        }
        guard auth.count == WebPushEncryption.authSecretLength else {
            return refuse("modify", "not-acceptable", "send: auth-secret is \(auth.count) bytes, not \(WebPushEncryption.authSecretLength)")
        }
        var key: [UInt8]?
        var claims: [StoredField] = []
        if let alg = send.child("jwt-alg", namespace: ns)?.text.trimmed {
            guard alg == "ES256" else {
                return refuse("cancel", "feature-not-implemented", "send: jwt-alg '\(alg.prefix(32))' is not served; only ES256 is")
            }
            guard let keyText = send.child("jwt-key", namespace: ns)?.text, let der = lenientBase64(keyText) else {
                return refuse("modify", "bad-request", "send: jwt-alg needs <jwt-key/>: base64 PKCS#8 of the signing key")
            }
            do { _ = try Push2JWT.key(der) } catch {
                return refuse("modify", "not-acceptable", "send: jwt-key is not a P-256 PKCS#8 key: \(error.message)")
            }
            key = der
            for c in send.children("jwt-claim", namespace: ns) {
                guard let name = c[attribute: "name"], !name.isEmpty else {
                    return refuse("modify", "bad-request", "send: jwt-claim needs a 'name' attribute")
                }
                guard name.utf8.count + c.text.utf8.count <= maxClaimBytes else {
                    return refuse("modify", "not-acceptable", "send: jwt-claim '\(name.prefix(32))' is longer than \(maxClaimBytes) bytes")
                }
                guard name != "exp" else {
                    return refuse("modify", "not-acceptable", "send: the server sets the 'exp' claim")
                }
                claims.removeAll { $0.name == name }
                claims.append(StoredField(name: name, values: [c.text]))
            }
            guard claims.count <= maxClaims else {
                return refuse("modify", "not-acceptable", "send: at most \(maxClaims) jwt-claim elements")
            }
        } else if send.child("jwt-key", namespace: ns) != nil {
            return refuse("modify", "bad-request", "send: jwt-key without jwt-alg")
        }
        return .init(uaPublic: ua, authSecret: auth, jwtKey: key, jwtClaims: claims)
    }

    /// Base64 as clients write it: standard or URL-safe, padded or not,
    /// PEM-style line breaks included.
    static func lenientBase64(_ text: String) -> [UInt8]? {
        let compact = text.filter { !$0.isWhitespace }
        guard !compact.isEmpty else { return nil }
        if let bytes = Base64.decode(compact) { return bytes }
        let url = compact.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 }
        return Base64URL.decode(String(url))
    }
}

extension String {
    /// Without leading and trailing white space.
    var trimmed: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
