import Testing
import NudgeCore
import NudgeCrypto
import NudgeStore
import NudgeXMPP

/// Push 2.0 as push2.markdown (prosody-modules mod_push2) describes it and
/// the Snikket SDK sends it: borogove/queries/Push2Enable.hx builds the
/// enable (one `important` match with grace, filters and the
/// `sce+rfc8291+rfc8292` send profile), borogove/queries/Push2Disable.hx
/// the disable, and borogove/Push.hx reads the decrypted payload (an
/// XEP-0420 envelope around an XEP-0297 forwarded message).
@Suite struct Push2 {
    static let user = "juliet@example.net/borogove"
    static let ua = try! P256PrivateKey.generate()
    static let auth: [UInt8] = Array(100..<116)
    /// A P-256 key as WebCrypto's exportKey("pkcs8") gives it, base64.
    static let jwtKey = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg4RzTkmZS0zarYiRsNjRFHEb05WYfgtTxYrR0pgfQLGChRANCAAST99jy6LvQtJZxumHYhb/Dr8Fkfyjg6RMLO285HJ+pu9ks/UH3TO3cVu2EEOJqFWzsY7CIwFj1pHThb/cD0jFN"
    static let client = "https://push.example.org/wpush/v2/gAAAAABk"

    /// The enable of Push2Enable.hx with its arguments.
    static func borogoveEnable(grace: Int = -1, filters: String = "", profile: String = "urn:xmpp:push2:match:important",
                               send: String? = nil, service: String = "push.snikket.example") -> String {
        let graceXML = grace > 0 ? "<grace>\(grace)</grace>" : ""
        let sendXML = send ?? "<send xmlns='urn:xmpp:push2:send:sce+rfc8291+rfc8292:0'>"
            + "<ua-public>\(Base64.encode(ua.publicKey))</ua-public><auth-secret>\(Base64.encode(auth))</auth-secret>"
            + "<jwt-alg>ES256</jwt-alg><jwt-key>\(jwtKey)</jwt-key><jwt-claim name='aud'>push.example.org</jwt-claim></send>"
        return "<iq type='set' id='p2' from='\(user)' to='juliet@example.net'><enable xmlns='urn:xmpp:push2:0'>"
            + "<service>\(service)</service><client>\(client)</client>"
            + "<match profile='\(profile)'>\(graceXML)\(filters)\(sendXML)</match></enable></iq>"
    }

    static let notifyOnly = "<send xmlns='urn:xmpp:push2:send:notify-only:0'/>"

    func enabled(_ xml: String = borogoveEnable(), notifyOn: Config.NotifyOn = .important) throws -> CoreHarness {
        let h = CoreHarness { $0.server.notifyOn = notifyOn }
        let reply = try h.iq(xml)
        #expect(reply[attribute: "type"] == "result", "\(reply.serialized())")
        try h.run(.sessionPending(try JID(Self.user)))
        return h
    }

    func registration(_ h: CoreHarness) throws -> Push2Registration? {
        try h.store.read { try $0.enable(EnableKey.push2(user: "juliet@example.net", client: "borogove")) }?.push2
    }

    /// The notifications the actions send.
    func notifications(_ actions: [CoreAction]) -> [Element] {
        actions.sent.filter { $0.name == "message" && $0.child("notification", namespace: NS.push2) != nil }
    }

    func push(_ h: CoreHarness, _ xml: String, archived: Bool = false) throws -> Element? {
        h.advance(seconds: 3600)
        return notifications(try h.held(Self.user, xml, archived: archived)).first
    }

    /// The stanza inside the payload, decrypted as a Web Push user agent
    /// would, and the envelope.
    func decrypt(_ message: Element) throws -> (stanza: Element, envelope: Element) {
        let n = try #require(message.child("notification", namespace: NS.push2))
        let payload = try #require(n.child("encrypted", namespace: NS.sceRFC8291)?.child("payload"))
        let body = try #require(Base64.decode(payload.text))
        let plain = try WebPushEncryption.decrypt(body: body, uaPrivateKey: Self.ua, authSecret: Self.auth)
        let envelope = try XMLParser.parse(plain)
        #expect(envelope.name == "envelope" && envelope.namespace == NS.sce)
        let forwarded = try #require(envelope.child("content")?.child("forwarded", namespace: NS.forward))
        return (try #require(forwarded.child("message", namespace: NS.client)), envelope)
    }

    static let message = "<message from='romeo@example.org/orchard' to='juliet@example.net/borogove' type='chat' id='m1'>"
        + "<body>Wherefore art thou?</body><stanza-id xmlns='urn:xmpp:sid:0' by='juliet@example.net' id='mam-1'/>"
        + "<active xmlns='http://jabber.org/protocol/chatstates'/></message>"

    // MARK: disco and enable

    @Test func theAccountAnnouncesPush2AndItsProfiles() throws {
        let h = CoreHarness()
        let info = try h.iq("<iq type='get' id='d' from='\(Self.user)' to='juliet@example.net'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
        let features = Set(try #require(info.child("query")).children("feature").compactMap { $0[attribute: "var"] })
        #expect(features.isSuperset(of: ["urn:xmpp:push:0", "urn:xmpp:push2:0", "urn:xmpp:push2:match:all",
                                         "urn:xmpp:push2:match:important", "urn:xmpp:push2:match:archived",
                                         "urn:xmpp:push2:match:archived-with-body", "urn:xmpp:push2:send:notify-only:0",
                                         "urn:xmpp:push2:send:sce+rfc8291+rfc8292:0"]))
        #expect(AccountDisco.features.contains("urn:xmpp:push2:0"))
    }

    @Test func borogovesEnableIsStoredAsSent() throws {
        let h = try enabled(Self.borogoveEnable(grace: 144, filters: "<filter jid='room@muc.example.org'><mention/></filter>"
                                                    + "<filter jid='quiet@example.org'/>"))
        let reg = try #require(try registration(h))
        #expect(reg.service == "push.snikket.example")
        #expect(reg.client == Self.client)
        #expect(reg.matches.count == 1)
        let m = reg.matches[0]
        #expect(m.profile == .important && m.graceSeconds == 144)
        #expect(m.filters == [.init(jid: "room@muc.example.org", mention: true, reply: false),
                              .init(jid: "quiet@example.org", mention: false, reply: false)])
        guard case .encrypted(let e) = m.send else { Issue.record("not the encrypted send profile"); return }
        #expect(e.uaPublic == Self.ua.publicKey && e.authSecret == Self.auth)
        #expect(e.jwtKey == Base64.decode(Self.jwtKey))
        #expect(e.jwtClaims == [StoredField(name: "aud", values: ["push.example.org"])])
    }

    @Test func theAdminListingShowsTheRegistrationWithTheClientRedacted() throws {
        let h = try enabled()
        let listing = try h.store.read { r in
            try UserPushState.json(of: try JID("juliet@example.net"), r, defaults: h.config.server)
        }
        let serialized = JSON.object(listing).serialized()
        #expect(serialized.contains("\"service\":\"push.snikket.example\""))
        #expect(serialized.contains("urn:xmpp:push2:match:important"))
        #expect(!serialized.contains(Self.client))
    }

    @Test func aSecondEnableOfTheClientReplacesItsRegistration() throws {
        let h = try enabled()
        #expect(try h.iq(Self.borogoveEnable(send: Self.notifyOnly, service: "other.example"))[attribute: "type"] == "result")
        let all = try h.store.read { try $0.enables(ofUser: "juliet@example.net") }
        #expect(all.count == 1)
        #expect(all.first?.record.push2?.service == "other.example")
    }

    @Test(arguments: [
        ("<enable xmlns='urn:xmpp:push2:0'><client>c</client><match profile='urn:xmpp:push2:match:all'><send xmlns='urn:xmpp:push2:send:notify-only:0'/></match></enable>",
         "bad-request", "enable needs exactly one <service/>"),
        ("<enable xmlns='urn:xmpp:push2:0'><service>a@@b</service><client>c</client><match profile='urn:xmpp:push2:match:all'><send xmlns='urn:xmpp:push2:send:notify-only:0'/></match></enable>",
         "jid-malformed", "service:"),
        ("<enable xmlns='urn:xmpp:push2:0'><service>juliet@example.net</service><client>c</client><match profile='urn:xmpp:push2:match:all'><send xmlns='urn:xmpp:push2:send:notify-only:0'/></match></enable>",
         "bad-request", "cannot be the account itself"),
        ("<enable xmlns='urn:xmpp:push2:0'><service>push.example</service><match profile='urn:xmpp:push2:match:all'><send xmlns='urn:xmpp:push2:send:notify-only:0'/></match></enable>",
         "bad-request", "exactly one <client/>"),
        ("<enable xmlns='urn:xmpp:push2:0'><service>push.example</service><client>c</client></enable>",
         "bad-request", "at least one <match"),
        ("<enable xmlns='urn:xmpp:push2:0'><service>push.example</service><client>c</client><match profile='urn:example:mine'><send xmlns='urn:xmpp:push2:send:notify-only:0'/></match></enable>",
         "feature-not-implemented", "match profile 'urn:example:mine'"),
        ("<enable xmlns='urn:xmpp:push2:0'><service>push.example</service><client>c</client><match profile='urn:xmpp:push2:match:all'/></enable>",
         "bad-request", "exactly one <send"),
        ("<enable xmlns='urn:xmpp:push2:0'><service>push.example</service><client>c</client><match profile='urn:xmpp:push2:match:all'><send xmlns='urn:example:send'/></match></enable>",
         "feature-not-implemented", "send profile 'urn:example:send'"),
        ("<enable xmlns='urn:xmpp:push2:0'><service>push.example</service><client>c</client><match profile='urn:xmpp:push2:match:all'><grace>soon</grace><send xmlns='urn:xmpp:push2:send:notify-only:0'/></match></enable>",
         "bad-request", "grace 'soon'"),
        ("<enable xmlns='urn:xmpp:push2:0'><service>push.example</service><client>c</client><match profile='urn:xmpp:push2:match:all'><filter jid='room@muc.example/nick'/><send xmlns='urn:xmpp:push2:send:notify-only:0'/></match></enable>",
         "jid-malformed", "not a bare JID"),
        ("<enable xmlns='urn:xmpp:push2:0'><service>push.example</service><client>c</client><match profile='urn:xmpp:push2:match:all'><send xmlns='urn:xmpp:push2:send:sce+rfc8291+rfc8292:0'><ua-public>AAAA</ua-public><auth-secret>AAAAAAAAAAAAAAAAAAAAAA==</auth-secret></send></match></enable>",
         "not-acceptable", "ua-public is not a P-256 point"),
    ])
    func refusalsArePreciseAndLeaveTheRegistrationAsItWas(_ enable: String, _ condition: String, _ text: String) throws {
        let h = try enabled()
        let before = try registration(h)
        let reply = try h.iq("<iq type='set' id='bad' from='\(Self.user)'>\(enable)</iq>")
        #expect(reply[attribute: "type"] == "error")
        #expect(reply.errorCondition == condition)
        #expect(reply.errorText?.contains(text) == true, "\(reply.errorText ?? "")")
        #expect(try registration(h) == before)
    }

    @Test func theEncryptedProfileRefusesBadKeysPrecisely() throws {
        let h = CoreHarness()
        func send(_ inner: String) -> String {
            "<iq type='set' id='k' from='\(Self.user)'><enable xmlns='urn:xmpp:push2:0'><service>push.example</service><client>c</client>"
                + "<match profile='urn:xmpp:push2:match:important'><send xmlns='urn:xmpp:push2:send:sce+rfc8291+rfc8292:0'>"
                + "<ua-public>\(Base64.encode(Self.ua.publicKey))</ua-public>\(inner)</send></match></enable></iq>"
        }
        let shortAuth = try h.iq(send("<auth-secret>\(Base64.encode(Array(0..<8)))</auth-secret>"))
        #expect(shortAuth.errorCondition == "not-acceptable" && shortAuth.errorText?.contains("8 bytes") == true)
        let auth = "<auth-secret>\(Base64.encode(Self.auth))</auth-secret>"
        let hs256 = try h.iq(send(auth + "<jwt-alg>HS256</jwt-alg><jwt-key>c2VjcmV0</jwt-key>"))
        #expect(hs256.errorCondition == "feature-not-implemented" && hs256.errorText?.contains("only ES256") == true)
        let badKey = try h.iq(send(auth + "<jwt-alg>ES256</jwt-alg><jwt-key>c2VjcmV0</jwt-key>"))
        #expect(badKey.errorCondition == "not-acceptable" && badKey.errorText?.contains("jwt-key") == true)
        let noKey = try h.iq(send(auth + "<jwt-alg>ES256</jwt-alg>"))
        #expect(noKey.errorCondition == "bad-request")
        let exp = try h.iq(send(auth + "<jwt-alg>ES256</jwt-alg><jwt-key>\(Self.jwtKey)</jwt-key><jwt-claim name='exp'>1</jwt-claim>"))
        #expect(exp.errorCondition == "not-acceptable")
        #expect(try h.store.read { try $0.enables(ofUser: "juliet@example.net") }.isEmpty)
    }

    @Test func onlyTheUsersOwnSessionEnables() throws {
        let h = CoreHarness()
        let reply = try h.iq(Self.borogoveEnable().replacing("to='juliet@example.net'", with: "to='romeo@example.net'"))
        #expect(reply.errorCondition == "forbidden")
        let xep0357 = try h.enable(service: "urn:xmpp:push2:0")
        #expect(xep0357.errorCondition == "jid-malformed")
    }

    @Test func disableRemovesTheClientsRegistrationOnly() throws {
        let h = try enabled()
        try h.enable("juliet@example.net/phone")   // a XEP-0357 enablement of another session
        let reply = try h.iq("<iq type='set' id='d' from='\(Self.user)' to='juliet@example.net'><disable xmlns='urn:xmpp:push2:0'/></iq>")
        #expect(reply[attribute: "type"] == "result")
        let left = try h.store.read { try $0.enables(ofUser: "juliet@example.net") }
        #expect(left.count == 1 && left.first?.record.push2 == nil)
        #expect(try push(h, Self.message) == nil)
    }

    // MARK: notifications

    @Test func aMessagePushesEncryptedWithAJWTOfTheClientsKey() throws {
        let h = try enabled()
        let n = try #require(try push(h, Self.message))
        #expect(n[attribute: "to"] == "push.snikket.example")
        #expect(n[attribute: "from"] == "juliet@example.net")
        #expect(n.serializedBytes().count <= 4096)
        let notification = try #require(n.child("notification", namespace: NS.push2))
        #expect(notification.child("client")?.text == Self.client)
        #expect(notification.child("priority")?.text == "normal")
        #expect(notification.child("voip") == nil)
        let (stanza, envelope) = try decrypt(n)
        #expect(stanza.child("body")?.text == "Wherefore art thou?")
        #expect(stanza[attribute: "to"] == "juliet@example.net/borogove")
        #expect(stanza.child("stanza-id", namespace: NS.stanzaID)?[attribute: "id"] == "mam-1")
        #expect(envelope.child("rpad") != nil)

        let jwt = try #require(notification.child("jwt"))
        let keyText = try #require(jwt[attribute: "key"])
        let key = try #require(Base64.decode(keyText))
        let parts = jwt.text.split(separator: ".").map(String.init)
        #expect(parts.count == 3)
        let signature = try #require(Base64URL.decode(parts[2]))
        #expect(try P256PublicKey.verifyES256(publicKey: key, data: Array((parts[0] + "." + parts[1]).utf8), signature: signature))
        let claimBytes = try #require(Base64URL.decode(parts[1]))
        let claims = try JSON.parse(String(decoding: claimBytes, as: UTF8.self))
        #expect(claims["aud"] == .string("push.example.org"))
        // RFC 8292's contact, a URI push services take (the client gave none).
        #expect(claims["sub"] == .string("https://example.net"))
        #expect(claims["exp"] == .number(Double((h.now + 12 * 3_600_000) / 1000)))
    }

    @Test func aLongMessageIsCutToFitAndKeepsItsArchiveID() throws {
        let h = try enabled()
        let long = String(repeating: "Romeo, Romeo! ", count: 1000)
        let xml = "<message from='romeo@example.org/orchard' to='juliet@example.net/borogove' type='chat' id='m2'><body>\(long)</body>"
            + "<x xmlns='urn:example:bulky'>\(String(repeating: "x", count: 3000))</x>"
            + "<stanza-id xmlns='urn:xmpp:sid:0' by='juliet@example.net' id='mam-2'/></message>"
        let n = try #require(try push(h, xml))
        #expect(n.serializedBytes().count <= 4096 - 96)
        let (stanza, _) = try decrypt(n)
        #expect(stanza.child("stanza-id", namespace: NS.stanzaID)?[attribute: "id"] == "mam-2")
        #expect(stanza.child("x", namespace: "urn:example:bulky") == nil)
        let body = try #require(stanza.child("body")?.text)
        #expect(body.hasSuffix("…") && body.count > 100 && long.hasPrefix(String(body.dropLast())))
    }

    @Test func aCallPushesHighWithVoIPAndItsRetractionToo() throws {
        let h = try enabled(Self.borogoveEnable(grace: 600))
        h.advance(seconds: 3600)
        try h.sent("juliet@example.net/desktop", "<message to='romeo@example.org' type='chat' id='d1'><body>busy</body></message>")
        #expect(notifications(try h.held(Self.user, Self.message)).isEmpty)   // within the grace
        let propose = "<message from='romeo@example.org/orchard' to='juliet@example.net' id='c1'><propose xmlns='urn:xmpp:jingle-message:0' id='call-1'><description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'/></propose></message>"
        let ring = try #require(notifications(try h.held(Self.user, propose)).first)
        let notification = try #require(ring.child("notification", namespace: NS.push2))
        #expect(notification.child("priority")?.text == "high")
        #expect(notification.child("voip") != nil)
        #expect(try decrypt(ring).stanza.child("propose", namespace: NS.jingleMessage) != nil)
        let retract = "<message from='romeo@example.org/orchard' to='juliet@example.net' id='c2'><retract xmlns='urn:xmpp:jingle-message:0' id='call-1'/></message>"
        let stop = try #require(try push(h, retract))
        #expect(stop.child("notification", namespace: NS.push2)?.child("voip") != nil)
    }

    @Test func notifyOnlySendsNoPayload() throws {
        let h = try enabled(Self.borogoveEnable(send: Self.notifyOnly))
        let n = try #require(try push(h, Self.message))
        let notification = try #require(n.child("notification", namespace: NS.push2))
        #expect(notification.elements.map(\.name) == ["client", "priority"])
    }

    // MARK: match profiles

    static let chatState = "<message from='romeo@example.org/orchard' to='juliet@example.net/borogove' type='chat' id='s1'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>"

    @Test func importantIgnoresChatStatesAndAllPushesThemLow() throws {
        let important = try enabled()
        #expect(try push(important, Self.chatState) == nil)
        let all = try enabled(Self.borogoveEnable(profile: "urn:xmpp:push2:match:all"))
        let n = try #require(try push(all, Self.chatState))
        #expect(n.child("notification", namespace: NS.push2)?.child("priority")?.text == "low")
    }

    @Test func archivedPushesWhatTheArchiveKeptOnly() throws {
        let h = try enabled(Self.borogoveEnable(profile: "urn:xmpp:push2:match:archived", send: Self.notifyOnly))
        let unarchived = "<message from='romeo@example.org/orchard' to='juliet@example.net/borogove' type='chat' id='u1'><body>hi</body></message>"
        #expect(try push(h, unarchived) == nil)
        #expect(try push(h, Self.message) != nil)
        // Archived by the host's word (NUDGE_HELD_ARCHIVED), without an id in the stanza.
        #expect(try push(h, unarchived.replacing("u1", with: "u2"), archived: true) != nil)
        // Another archive's id is not the user's.
        let theirs = unarchived.replacing("</message>", with: "<stanza-id xmlns='urn:xmpp:sid:0' by='room@muc.example.org' id='x'/></message>")
            .replacing("u1", with: "u3")
        #expect(try push(h, theirs) == nil)
    }

    @Test func archivedWithBodyNeedsABody() throws {
        let h = try enabled(Self.borogoveEnable(profile: "urn:xmpp:push2:match:archived-with-body", send: Self.notifyOnly))
        let archivedState = Self.chatState.replacing("</message>", with: "<stanza-id xmlns='urn:xmpp:sid:0' by='juliet@example.net' id='mam-s'/></message>")
        #expect(try push(h, archivedState) == nil)
        #expect(try push(h, Self.message) != nil)
    }

    // MARK: grace and filters

    @Test func graceHoldsPushesAfterAnotherSessionsActivityNotWhileItIsMerelyConnected() throws {
        let h = try enabled(Self.borogoveEnable(grace: 144))
        let desktop = "juliet@example.net/desktop"
        try h.run(.sessionOnline(try JID(desktop)))
        // Connected and idle: no activity, so the phone is pushed.
        #expect(try push(h, Self.message) != nil)
        try h.sent(desktop, "<message to='romeo@example.org' type='chat' id='r1'><body>soon</body></message>")
        h.advance(seconds: 100)
        #expect(notifications(try h.held(Self.user, Self.message.replacing("m1", with: "m2"))).isEmpty)
        // Its going away does not end the grace its activity began.
        try h.run(.sessionPending(try JID(desktop)))
        h.advance(seconds: 43)
        #expect(notifications(try h.held(Self.user, Self.message.replacing("m1", with: "m3"))).isEmpty)
        h.advance(seconds: 2)
        #expect(notifications(try h.held(Self.user, Self.message.replacing("m1", with: "m4"))).count == 1)
        // The phone's own activity is no other session's.
        try h.sent(Self.user, "<message to='romeo@example.org' type='chat' id='r2'><body>me</body></message>")
        h.advance(seconds: 30)   // past the coalescing window, within the grace
        #expect(notifications(try h.held(Self.user, Self.message.replacing("m1", with: "m5"))).count == 1)
        // Without grace, another session's activity does not matter.
        let plain = try enabled()
        try plain.sent(desktop, "<message to='romeo@example.org' type='chat' id='r3'><body>soon</body></message>")
        #expect(notifications(try plain.held(Self.user, Self.message)).count == 1)
    }

    @Test func activityIsWhatTheUserDoesNotWhatTheClientSendsUnattended() throws {
        let to = "to='romeo@example.org' type='chat' id='a'"
        let shown = [
            "<message \(to)><body>hi</body></message>",
            "<message \(to)><encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='1'/><payload>AA==</payload></encrypted></message>",
            "<message \(to)><composing xmlns='http://jabber.org/protocol/chatstates'/></message>",
            "<message \(to)><active xmlns='http://jabber.org/protocol/chatstates'/></message>",
            "<message \(to)><paused xmlns='http://jabber.org/protocol/chatstates'/></message>",
            "<message \(to)><displayed xmlns='urn:xmpp:chat-markers:0' id='m1'/></message>",
            "<message \(to)><proceed xmlns='urn:xmpp:jingle-message:0' id='s1'/></message>",
        ]
        let unattended = [
            "<message \(to)><received xmlns='urn:xmpp:receipts' id='m1'/></message>",
            "<message \(to)><received xmlns='urn:xmpp:chat-markers:0' id='m1'/></message>",
            "<message \(to)><inactive xmlns='http://jabber.org/protocol/chatstates'/></message>",
            "<message \(to)><gone xmlns='http://jabber.org/protocol/chatstates'/></message>",
            "<message \(to)><body>  </body></message>",
            "<message to='romeo@example.org' type='error' id='e'><body>bounced</body></message>",
            "<message \(to)><encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='1'/></encrypted></message>",
            "<presence/>",
        ]
        for xml in shown { #expect(SessionActivity.showsUser(try XMLParser.parse(xml)), "\(xml)") }
        for xml in unattended { #expect(!SessionActivity.showsUser(try XMLParser.parse(xml)), "\(xml)") }
    }

    @Test func theActivityTableForgetsClosedSessionsAndWhatNoGraceCanReach() {
        var table = ActivityTable()
        table.note(user: "juliet@example.net", resource: "desktop", at: 1_000)
        table.note(user: "juliet@example.net", resource: "tablet", at: 2_000)
        #expect(table.recent(user: "juliet@example.net", now: 3_000) == ["desktop": 1_000, "tablet": 2_000])
        table.forget(user: "juliet@example.net", resource: "desktop")
        #expect(table.recent(user: "juliet@example.net", now: 3_000) == ["tablet": 2_000])
        let week: Millis = 7 * 86_400_000
        #expect(table.recent(user: "juliet@example.net", now: 2_000 + week).isEmpty)
        table.forget(user: "juliet@example.net", resource: "tablet")
        #expect(table.userCount == 0)
    }

    @Test func aFilteredRoomPushesMentionsOrRepliesAndAnEmptyFilterMutes() throws {
        let h = try enabled(Self.borogoveEnable(filters: "<filter jid='room@muc.example.org'><reply/></filter><filter jid='romeo@example.org'/>"))
        #expect(try push(h, Self.message) == nil)   // romeo is muted
        let mention = "<message from='room@muc.example.org/mercutio' to='juliet@example.net/borogove' type='groupchat' id='g1'><body>juliet@example.net: look</body></message>"
        #expect(try push(h, mention) == nil)   // the filter asks for replies, not mentions
        let reply = "<message from='room@muc.example.org/mercutio' to='juliet@example.net/borogove' type='groupchat' id='g2'><body>yes</body><reply xmlns='urn:xmpp:reply:0' to='juliet@example.net/borogove' id='x'/></message>"
        #expect(try push(h, reply) != nil)
        let other = try enabled(Self.borogoveEnable(filters: "<filter jid='room@muc.example.org'><mention/></filter>"))
        #expect(try push(other, mention) != nil)
    }

    // MARK: the push service's errors

    func errorReply(_ n: Element, type: String, condition: String) throws -> Element {
        try XMLParser.parse("<message type='error' from='\(n[attribute: "to"]!)' to='juliet@example.net' id='\(n[attribute: "id"]!)'>"
                            + "<error type='\(type)'><\(condition) xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>")
    }

    func flight(_ n: Element, _ reason: PushReason = .message, attempt: Int = 0, sentAt: Millis) -> PublishInFlight {
        PublishInFlight(key: EnableKey.push2(user: "juliet@example.net", client: "borogove"), reason: reason, attempt: attempt,
                        sentAt: sentAt, service: n[attribute: "to"]!, expectsAnswer: false)
    }

    @Test func aWaitErrorRetriesAndSeventyTwoHoursOfThemDisable() throws {
        let h = try enabled()
        let n = try #require(try push(h, Self.message))
        let first = try h.run(.publishAnswer(try errorReply(n, type: "wait", condition: "resource-constraint"), flight(n, sentAt: h.now)))
        #expect(first.schedules.contains { if case .retry = $0.0 { return true } else { return false } })
        #expect(try registration(h)?.failingSince == h.now)
        let since = h.now
        h.advance(seconds: 71 * 3600)
        try h.run(.publishAnswer(try errorReply(n, type: "wait", condition: "resource-constraint"), flight(n, sentAt: h.now)))
        #expect(try registration(h)?.failingSince == since)
        h.advance(seconds: 3600)
        let last = try h.run(.publishAnswer(try errorReply(n, type: "wait", condition: "resource-constraint"), flight(n, sentAt: h.now)))
        #expect(last.disabled.count == 1)
        #expect(try registration(h) == nil)
    }

    @Test func aQuietPushEndsTheFailures() throws {
        let h = try enabled()
        let n = try #require(try push(h, Self.message))
        try h.run(.publishAnswer(try errorReply(n, type: "wait", condition: "resource-constraint"), flight(n, sentAt: h.now)))
        #expect(try registration(h)?.failingSince != nil)
        h.advance(seconds: 3600)
        let actions = try h.held(Self.user, Self.message.replacing("m1", with: "m10"))
        #expect(notifications(actions).count == 1)
        let quiet = try #require(actions.schedules.first { if case .push2Quiet = $0.0 { return true } else { return false } })
        h.now = quiet.1
        try h.run(.timer(quiet.0))
        #expect(try registration(h)?.failingSince == nil)
    }

    /// Not the service's answer but the route's (its server or component
    /// unreachable, as while it restarts): retried like `wait` a few times,
    /// counted in the failing spell, then it disables.
    @Test func anUnreachableServiceIsRetriedAFewTimesThenDisabled() throws {
        let h = try enabled()
        let n = try #require(try push(h, Self.message))
        let first = try h.run(.publishAnswer(try errorReply(n, type: "cancel", condition: "remote-server-not-found"), flight(n, sentAt: h.now)))
        #expect(first.schedules.contains { if case .retry = $0.0 { return true } else { return false } })
        #expect(first.disabled.isEmpty)
        #expect(try registration(h)?.failingSince == h.now)
        let retries = h.config.server.publishRetries
        let last = try h.run(.publishAnswer(try errorReply(n, type: "cancel", condition: "remote-server-not-found"),
                                            flight(n, attempt: retries, sentAt: h.now)))
        #expect(last.disabled.first?.1.contains("after \(retries + 1) attempts") == true)
        #expect(try registration(h) == nil)
    }

    @Test func anyOtherErrorDisablesAtOnce() throws {
        let h = try enabled()
        let n = try #require(try push(h, Self.message))
        let actions = try h.run(.publishAnswer(try errorReply(n, type: "cancel", condition: "item-not-found"), flight(n, sentAt: h.now)))
        #expect(actions.disabled.first?.1.contains("item-not-found") == true)
        #expect(try registration(h) == nil)
    }
}
