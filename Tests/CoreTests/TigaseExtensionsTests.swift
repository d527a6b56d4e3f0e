import Testing
import NudgeCore
import NudgeCrypto
import NudgeStore
import NudgeXMPP

/// Tigase's enable extensions as Siskin and Snikket iOS send them:
/// TigaseSwift / Martin `TigasePushNotificationsModule.swift` builds each
/// child (`Encryption`, `Priority`, `GroupchatFilter`, `Muted`, `Jingle`),
/// Siskin's `SiskinPushNotificationsModule.prepareExtensions` chooses them
/// from the account's disco#info; what the server makes of them follows
/// tigase-server `EncryptedPushNotificationExtension.java`,
/// `PriorityExtension.java`, `MutedFilter.java` and `GroupchatFilter.java`,
/// and the payload is what Siskin's `NotificationService.swift` (`Payload`)
/// and `CallManager.swift` (`VoIPPayload`) decode.
@Suite struct TigaseExtensions {
    static let key: [UInt8] = Array(0..<16)
    static var keyBase64: String { Base64.encode(key) }
    static let user = "juliet@example.net/siskin"

    /// Siskin's enable with every extension the account announces, in the
    /// order `prepareExtensions` adds them.
    static func siskinExtensions(maxSize: Int? = nil, rooms: String = "", muted: String = "<item jid='spam@example.org'/>",
                                 jingle: Bool = true, key: String = keyBase64) -> String {
        let size = maxSize.map { " max-size='\($0)'" } ?? ""
        return "<groupchat xmlns='tigase:push:filter:groupchat:0'>\(rooms)</groupchat>"
            + "<muted xmlns='tigase:push:filter:muted:0'>\(muted)</muted>"
            + "<priority xmlns='tigase:push:priority:0'/>"
            + "<encrypt xmlns='tigase:push:encrypt:0' alg='aes-128-gcm'\(size)>\(key)</encrypt>"
            + (jingle ? "<jingle xmlns='tigase:push:jingle:0'/>" : "")
    }

    func pending(_ extra: String, notifyOn: Config.NotifyOn = .important) throws -> CoreHarness {
        let h = CoreHarness { $0.server.notifyOn = notifyOn }
        #expect(try h.enable(Self.user, extra: extra)[attribute: "type"] == "result")
        try h.run(.sessionPending(try JID(Self.user)))
        return h
    }

    func notification(_ publish: Element) throws -> Element {
        try #require(publish.child("pubsub")?.child("publish")?.child("item")?.child("notification"))
    }

    /// Decrypts the `<encrypted/>` of a publish as Siskin does: iv
    /// attribute, base64 of ciphertext ‖ 16-byte tag.
    func payload(_ publish: Element) throws -> (JSON, Element) {
        let encrypted = try #require(try notification(publish).child("encrypted", namespace: "tigase:push:encrypt:0"))
        let ivText = try #require(encrypted[attribute: "iv"])
        let iv = try #require(Base64.decode(ivText))
        #expect(iv.count == 12)
        let sealed = try #require(Base64.decode(encrypted.text))
        let plain = try AES128GCM.open(key: Self.key, nonce: iv, sealed: sealed)
        return (try JSON.parse(String(decoding: plain, as: UTF8.self)), encrypted)
    }

    func push(_ h: CoreHarness, _ xml: String) throws -> Element? {
        h.advance(seconds: 3600)   // outside the coalescing window
        return try h.held(Self.user, xml).publishes.first
    }

    // MARK: disco and enable

    @Test func theAccountAnnouncesWhatIsServedAndNoMore() throws {
        let h = CoreHarness()
        let info = try h.iq("<iq type='get' id='d' from='\(Self.user)' to='juliet@example.net'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
        let features = Set(try #require(info.child("query")).children("feature").compactMap { $0[attribute: "var"] })
        #expect(features.isSuperset(of: ["urn:xmpp:push:0", "tigase:push:encrypt:0", "tigase:push:encrypt:aes-128-gcm",
                                         "tigase:push:priority:0", "tigase:push:jingle:0", "tigase:push:filter:muted:0",
                                         "tigase:push:filter:groupchat:0", "tigase:push:filter:ignore-unknown:0"]))
        #expect(!features.contains("tigase:push:away:0"))
    }

    @Test func siskinsEnableIsStoredWithItsExtensions() throws {
        let h = try pending(Self.siskinExtensions(maxSize: 3000, rooms: "<room jid='room@muc.example.org' allow='always'/><room jid='quiet@muc.example.org' allow='mentioned' nick='jul'/>"))
        let stored = try #require(try h.store.read { try $0.enables(ofUser: "juliet@example.net") }.first).record
        #expect(stored.extensions == EnableExtensions(
            encryptionKey: Self.key, maxPayloadBytes: 3000, priority: true, jingle: true, muted: ["spam@example.org"],
            rooms: [.init(room: "room@muc.example.org", allow: .always, nick: nil),
                    .init(room: "quiet@muc.example.org", allow: .mentioned, nick: "jul")]))
        #expect(stored.extensions.wantsRoomMessages)
    }

    @Test func theSpecsKeyWrappedInWhiteSpaceIsTaken() throws {
        let h = try pending("<encrypt xmlns='tigase:push:encrypt:0' alg='aes-128-gcm'>\n      \(Self.keyBase64)\n    </encrypt>")
        #expect(try h.store.read { try $0.enables(ofUser: "juliet@example.net") }.first?.record.extensions.encryptionKey == Self.key)
    }

    @Test(arguments: [
        ("<encrypt xmlns='tigase:push:encrypt:0' alg='aes-256-gcm'>\(keyBase64)</encrypt>", "not-acceptable",
         "encrypt: algorithm 'aes-256-gcm' is not supported; only aes-128-gcm is"),
        ("<encrypt xmlns='tigase:push:encrypt:0'>\(keyBase64)</encrypt>", "bad-request", "encrypt needs an 'alg' attribute (aes-128-gcm)"),
        ("<encrypt xmlns='tigase:push:encrypt:0' alg='aes-128-gcm'>\(Base64.encode(Array(0..<32)))</encrypt>", "bad-request",
         "encrypt: an aes-128-gcm key is 16 bytes; this one is 32"),
        ("<encrypt xmlns='tigase:push:encrypt:0' alg='aes-128-gcm'>not*base64</encrypt>", "bad-request", "encrypt: the key is not base64"),
        ("<encrypt xmlns='tigase:push:encrypt:0' alg='aes-128-gcm'/>", "bad-request", "encrypt: the key is not base64"),
        ("<encrypt xmlns='tigase:push:encrypt:0' alg='aes-128-gcm' max-size='big'>\(keyBase64)</encrypt>", "bad-request",
         "encrypt: max-size 'big' is not a number of bytes of at least 128"),
        ("<encrypt xmlns='tigase:push:encrypt:0' alg='aes-128-gcm' max-size='64'>\(keyBase64)</encrypt>", "bad-request",
         "encrypt: max-size '64' is not a number of bytes of at least 128"),
        ("<priority xmlns='tigase:push:priority:0'/><priority xmlns='tigase:push:priority:0'/>", "bad-request",
         "more than one <priority xmlns='tigase:push:priority:0'/> in enable"),
        ("<muted xmlns='tigase:push:filter:muted:0'><item/></muted>", "bad-request", "muted item needs a 'jid' attribute"),
        ("<muted xmlns='tigase:push:filter:muted:0'><item jid='a@b/c'/></muted>", "jid-malformed", "muted item 'a@b/c' is not a bare JID"),
        ("<groupchat xmlns='tigase:push:filter:groupchat:0'><room jid='r@muc.example.org'/></groupchat>", "bad-request",
         "group chat room r@muc.example.org: needs an 'allow' attribute (always, mentioned or never)"),
        ("<groupchat xmlns='tigase:push:filter:groupchat:0'><room jid='r@muc.example.org' allow='sometimes'/></groupchat>", "bad-request",
         "group chat room r@muc.example.org: allow 'sometimes' is not always, mentioned or never"),
        ("<groupchat xmlns='tigase:push:filter:groupchat:0'><room jid='r@muc.example.org' allow='mentioned'/></groupchat>", "bad-request",
         "group chat room r@muc.example.org: allow='mentioned' needs the user's 'nick'"),
        ("<groupchat xmlns='tigase:push:filter:groupchat:0'><room jid='r@muc.example.org' allow='always'/><room jid='r@muc.example.org' allow='never'/></groupchat>",
         "bad-request", "group chat room r@muc.example.org is listed twice"),
    ])
    func aMalformedExtensionIsRefusedAndThePreviousEnablementStays(extra: String, condition: String, text: String) throws {
        let h = try pending(Self.siskinExtensions())
        let before = try h.store.read { try $0.enables(ofUser: "juliet@example.net") }
        let reply = try h.enable(Self.user, extra: extra)
        #expect(reply.errorCondition == condition)
        #expect(reply.errorText == text)
        let after = try h.store.read { try $0.enables(ofUser: "juliet@example.net") }
        #expect(after.map(\.record) == before.map(\.record))
        // The key is a secret: a refusal never logs it.
        #expect(!(try h.run(.iq(XMLParser.parse("<iq type='set' id='en' from='\(Self.user)'><enable xmlns='urn:xmpp:push:0' jid='push.remote.example' node='node-1'>\(extra)</enable></iq>"))).logs.joined().contains(Self.keyBase64)))
    }

    // MARK: the encrypted payload

    @Test func aMessageIsPushedEncryptedInsteadOfTheSummary() throws {
        let h = try pending(Self.siskinExtensions(jingle: false))
        let publish = try #require(try push(h, "<message from='romeo@example.org/phone' to='juliet@example.net' type='chat' id='m1'><body>Wherefore art thou?</body></message>"))
        let n = try notification(publish)
        #expect(n.child("x", namespace: "jabber:x:data") == nil)
        let (json, encrypted) = try payload(publish)
        #expect(json == ["unread": 1, "sender": "romeo@example.org", "type": "chat", "message": "Wherefore art thou?"])
        #expect(encrypted[attribute: "type"] == nil)
        #expect(n.child("priority", namespace: "tigase:push:priority:0")?.text == "high")
        // A fresh IV for every push.
        let second = try #require(try push(h, "<message from='romeo@example.org/phone' to='juliet@example.net' type='chat' id='m2'><body>again</body></message>"))
        #expect(try payload(second).1[attribute: "iv"] != encrypted[attribute: "iv"])
        #expect(try payload(second).0["unread"] == 2)
    }

    @Test func aLongBodyIsCutTo255BytesOnACharacterBoundary() throws {
        let h = try pending(Self.siskinExtensions())
        let body = String(repeating: "a", count: 254) + "é" + String(repeating: "ü", count: 40)
        let publish = try #require(try push(h, "<message from='romeo@example.org/phone' type='chat' id='m1'><body>\(body)</body></message>"))
        let message = try #require(try payload(publish).0["message"]?.stringValue)
        #expect(message == String(repeating: "a", count: 254))
        let exact = String(repeating: "ü", count: 127) + "a"
        let second = try #require(try push(h, "<message from='romeo@example.org/phone' type='chat' id='m2'><body>\(exact)x</body></message>"))
        #expect(try payload(second).0["message"]?.stringValue == exact)
    }

    @Test func anOMEMOMessageSaysSoInsteadOfItsFallbackBody() throws {
        let h = try pending(Self.siskinExtensions())
        let publish = try #require(try push(h, "<message from='romeo@example.org/phone' type='chat' id='m1'><encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='1'/><payload>AA==</payload></encrypted><body>I sent you an OMEMO encrypted message</body></message>"))
        let (json, _) = try payload(publish)
        #expect(json["message"]?.stringValue == "New secure message. Open to see the message.")
        #expect(json["type"] == "chat")
        #expect(try notification(publish).child("priority", namespace: "tigase:push:priority:0") != nil)
    }

    @Test func aCallProposalIsAVoIPPushWithSidMediaAndTheCallersResource() throws {
        let h = try pending(Self.siskinExtensions())
        let propose = "<message from='romeo@example.org/laptop' type='chat' id='c1'><propose xmlns='urn:xmpp:jingle-message:0' id='sid-42'><description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'/><description xmlns='urn:xmpp:jingle:apps:rtp:1' media='video'/></propose></message>"
        let publish = try #require(try push(h, propose))
        let (json, encrypted) = try payload(publish)
        #expect(json == ["unread": 1, "sender": "romeo@example.org/laptop", "type": "call", "sid": "sid-42", "media": ["audio", "video"]])
        #expect(encrypted[attribute: "type"] == "voip")
        #expect(try notification(publish).child("priority", namespace: "tigase:push:priority:0")?.text == "high")
        // Without the Jingle extension the call still pushes, not as VoIP.
        let plain = try pending(Self.siskinExtensions(jingle: false))
        let other = try #require(try push(plain, propose))
        #expect(try payload(other).1[attribute: "type"] == nil)
        #expect(try payload(other).0["type"] == "call")
    }

    /// Tigase's `JinglePushNotificationsExtension` pushes a call's end so
    /// that the phone stops ringing: Siskin's CallManager ends the call
    /// when the payload has a `sid` and no `media`.
    @Test func aCallsEndIsAVoIPPushWithoutMediaOnlyWhereJingleWasAskedFor() throws {
        let h = try pending(Self.siskinExtensions())
        let retract = try #require(try push(h, "<message from='romeo@example.org/laptop' type='chat' id='r1'><retract xmlns='urn:xmpp:jingle-message:0' id='sid-42'/></message>"))
        let (json, encrypted) = try payload(retract)
        #expect(json == ["unread": 0, "sender": "romeo@example.org/laptop", "type": "call", "sid": "sid-42"])
        #expect(encrypted[attribute: "type"] == "voip")
        // Taken on the user's other device.
        let accepted = try #require(try push(h, "<message from='juliet@example.net/desk' type='chat' id='a1'><accept xmlns='urn:xmpp:jingle-message:0' id='sid-43'/></message>"))
        #expect(try payload(accepted).0 == ["unread": 0, "sender": "juliet@example.net/desk", "type": "call", "sid": "sid-43"])
        // Someone else's accept, or the user's own retract, ends nothing here.
        #expect(try push(h, "<message from='romeo@example.org/laptop' type='chat' id='a2'><accept xmlns='urn:xmpp:jingle-message:0' id='sid-44'/></message>") == nil)
        #expect(try push(h, "<message from='juliet@example.net/desk' type='chat' id='r2'><retract xmlns='urn:xmpp:jingle-message:0' id='sid-45'/></message>") == nil)
        let plain = try pending(Self.siskinExtensions(jingle: false))
        #expect(try push(plain, "<message from='romeo@example.org/laptop' type='chat' id='r1'><retract xmlns='urn:xmpp:jingle-message:0' id='sid-42'/></message>") == nil)
    }

    @Test func aRoomMessageNamesTheRoomAndTheNickname() throws {
        let h = try pending(Self.siskinExtensions(rooms: "<room jid='room@muc.example.org' allow='always'/>"))
        let publish = try #require(try push(h, "<message from='room@muc.example.org/romeo' type='groupchat' id='g1'><body>hello all</body></message>"))
        #expect(try payload(publish).0 == ["unread": 1, "sender": "room@muc.example.org", "type": "groupchat", "nickname": "romeo", "message": "hello all"])
    }

    @Test func aSubscriptionRequestIsTypedSubscribeAndNotMarkedImportant() throws {
        let h = try pending(Self.siskinExtensions())
        let publish = try #require(try push(h, "<presence from='romeo@example.org' type='subscribe'/>"))
        #expect(try payload(publish).0 == ["unread": 0, "sender": "romeo@example.org", "type": "subscribe"])
        #expect(try notification(publish).child("priority", namespace: "tigase:push:priority:0") == nil)
    }

    @Test func maxSizeBoundsTheEncryptedTextByCuttingTheMessage() throws {
        let h = try pending(Self.siskinExtensions(maxSize: 200))
        let publish = try #require(try push(h, "<message from='romeo@example.org/phone' type='chat' id='m1'><body>\(String(repeating: "ß", count: 200))</body></message>"))
        let (json, encrypted) = try payload(publish)
        #expect(encrypted.text.utf8.count <= 200)
        let message = try #require(json["message"]?.stringValue)
        #expect(!message.isEmpty && message.allSatisfy { $0 == "ß" })
    }

    /// The server's defaults (no senders, no bodies) keep content from app
    /// servers, which cannot read this payload; what the user chose in-band
    /// (XEP-0357 urn:xmpp:push:options) still holds.
    @Test func theUsersOwnOptionsStillHoldInTheEncryptedPayload() throws {
        let h = CoreHarness()
        let options = "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>urn:xmpp:push:options</value></field><field var='include-senders'><value>1</value></field><field var='include-message-bodies'><value>0</value></field></x>"
        #expect(try h.enable(Self.user, extra: Self.siskinExtensions() + options)[attribute: "type"] == "result")
        try h.run(.sessionPending(try JID(Self.user)))
        let publish = try #require(try push(h, "<message from='romeo@example.org/phone' type='chat' id='m1'><body>private</body></message>"))
        #expect(try payload(publish).0 == ["unread": 1, "sender": "romeo@example.org", "type": "chat"])
    }

    @Test func aWakeCarriesNeitherSenderNorBodyInTheClear() throws {
        let h = try pending(Self.siskinExtensions())
        _ = try push(h, "<message from='romeo@example.org/phone' type='chat' id='m1'><body>secret words</body></message>")
        let wake = try #require(try h.run(.adminTestPush(user: JID("juliet@example.net"))).publishes.first)
        let n = try notification(wake)
        #expect(n.child("encrypted", namespace: "tigase:push:encrypt:0") == nil)
        let form = try #require(wake.summary)
        #expect(form.value("last-message-sender") == nil && form.value("last-message-body") == nil)
        #expect(!wake.serialized().contains("secret words") && !wake.serialized().contains("romeo"))
    }

    @Test func withoutExtensionsThePushIsThePlainSummary() throws {
        let h = try pending("")
        let publish = try #require(try push(h, "<message from='romeo@example.org/phone' type='chat' id='m1'><body>hi</body></message>"))
        #expect(publish.summary?.value("message-count") == "1")
        #expect(try notification(publish).child("priority", namespace: "tigase:push:priority:0") == nil)
        #expect(try notification(publish).child("encrypted", namespace: "tigase:push:encrypt:0") == nil)
    }

    @Test func priorityAloneMarksTheSummary() throws {
        let h = try pending("<priority xmlns='tigase:push:priority:0'/>")
        let publish = try #require(try push(h, "<message from='romeo@example.org/phone' type='chat' id='m1'><body>hi</body></message>"))
        #expect(publish.summary?.value("message-count") == "1")
        #expect(try notification(publish).child("priority", namespace: "tigase:push:priority:0")?.text == "high")
    }

    // MARK: filters

    @Test func aMutedJIDPushesNothingAndOthersStillDo() throws {
        let h = try pending(Self.siskinExtensions(rooms: "<room jid='noisy@muc.example.org' allow='always'/>",
                                                  muted: "<item jid='spam@example.org'/><item jid='noisy@muc.example.org'/>"))
        #expect(try push(h, "<message from='spam@example.org/x' type='chat' id='s1'><body>buy</body></message>") == nil)
        #expect(try push(h, "<message from='noisy@muc.example.org/a' type='groupchat' id='s2'><body>juliet!</body></message>") == nil)
        #expect(try push(h, "<presence from='spam@example.org' type='subscribe'/>") == nil)
        #expect(try push(h, "<message from='romeo@example.org/phone' type='chat' id='m1'><body>hi</body></message>") != nil)
    }

    @Test func theGroupChatFilterDecidesPerRoom() throws {
        let rooms = "<room jid='always@muc.example.org' allow='always'/><room jid='mention@muc.example.org' allow='mentioned' nick='Jules'/><room jid='never@muc.example.org' allow='never'/>"
        let h = try pending(Self.siskinExtensions(rooms: rooms))
        func room(_ jid: String, _ body: String, _ id: String) -> String {
            "<message from='\(jid)/romeo' type='groupchat' id='\(id)'><body>\(body)</body></message>"
        }
        #expect(try push(h, room("always@muc.example.org", "hello all", "1")) != nil)
        #expect(try push(h, room("mention@muc.example.org", "hello all", "2")) == nil)
        let mentioned = try #require(try push(h, room("mention@muc.example.org", "Jules, look", "3")))
        #expect(try payload(mentioned).0["nickname"] == "romeo")
        #expect(try push(h, room("never@muc.example.org", "Jules, look", "4")) == nil)
        #expect(try push(h, room("unlisted@muc.example.org", "Jules, look", "5")) == nil)
        // An encrypted room message that mentions nobody: always yes, mentioned no.
        let omemo = "<encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='1'/><payload>AA==</payload></encrypted>"
        #expect(try push(h, "<message from='always@muc.example.org/r' type='groupchat' id='6'>\(omemo)</message>") != nil)
        #expect(try push(h, "<message from='mention@muc.example.org/r' type='groupchat' id='7'>\(omemo)</message>") == nil)
        // One-to-one messages are no business of the room filter.
        #expect(try push(h, "<message from='romeo@example.org/phone' type='chat' id='8'><body>hi</body></message>") != nil)
    }

    /// A room that delivers to absent members (Prosody's
    /// mod_muc_offline_delivery, ejabberd's MucSub) sends to the bare JID
    /// of a user with no session at all: the filter decides as for a
    /// pending session. Snikket iOS lists its rooms as `always` by default.
    @Test func roomMessagesToTheBareJIDOfAnOfflineUserPushPerTheFilter() throws {
        let rooms = "<room jid='always@muc.example.org' allow='always'/><room jid='mention@muc.example.org' allow='mentioned' nick='Jules'/>"
        let h = CoreHarness()
        #expect(try h.enable(Self.user, extra: Self.siskinExtensions(rooms: rooms))[attribute: "type"] == "result")
        try h.run(.sessionClosed(try JID(Self.user)))
        func bare(_ xml: String) throws -> Element? {
            h.advance(seconds: 3600)
            return try h.held("juliet@example.net", xml).publishes.first
        }
        let always = try #require(try bare("<message from='always@muc.example.org/romeo' to='juliet@example.net' type='groupchat' id='1'><body>hello all</body></message>"))
        #expect(try payload(always).0["type"] == "groupchat")
        #expect(try bare("<message from='mention@muc.example.org/romeo' to='juliet@example.net' type='groupchat' id='2'><body>hello all</body></message>") == nil)
        #expect(try bare("<message from='mention@muc.example.org/romeo' to='juliet@example.net' type='groupchat' id='3'><body>Jules?</body></message>") != nil)
        #expect(try bare("<message from='unlisted@muc.example.org/romeo' to='juliet@example.net' type='groupchat' id='4'><body>Jules?</body></message>") == nil)
        // As MucSub wraps it.
        let wrapped = "<message from='always@muc.example.org' to='juliet@example.net' id='5'><event xmlns='http://jabber.org/protocol/pubsub#event'>"
            + "<items node='urn:xmpp:mucsub:nodes:messages'><item id='5'><message from='always@muc.example.org/romeo' type='groupchat' id='5'>"
            + "<body>wrapped</body></message></item></items></event></message>"
        let unwrapped = try #require(try bare(wrapped))
        #expect(try payload(unwrapped).0["message"] == "wrapped" && (try payload(unwrapped).0["type"]) == "groupchat")
    }

    /// Tigase's `IgnoreFromUnknownFilter`: with `<ignore-unknown/>`
    /// (TigaseSwift `IgnoreUnknown`), a sender the host says is a stranger
    /// pushes nothing, a contact does, a stanza the host did not look up
    /// does, and group chats are exempt.
    @Test func ignoreUnknownDropsWhatTheHostSaysAStrangerSent() throws {
        let h = try pending("<ignore-unknown xmlns='tigase:push:filter:ignore-unknown:0'/>"
                            + "<groupchat xmlns='tigase:push:filter:groupchat:0'><room jid='room@muc.example.org' allow='always'/></groupchat>")
        #expect(try h.store.read { try $0.enables(ofUser: "juliet@example.net") }.first?.record.extensions.ignoreUnknown == true)
        let classifier = Classifier(notifyOn: .important)
        func push(_ xml: String, stranger: Bool?) throws -> Element? {
            h.advance(seconds: 3600)
            var held = try #require(classifier.classify(try XMLParser.parse(xml), user: try JID("juliet@example.net"), roomNick: nil,
                                                        roomMessages: true))
            held.fromStranger = stranger
            return try h.run(.held(target: try JID(Self.user), held)).publishes.first
        }
        #expect(try push("<message from='spammer@example.org/x' type='chat' id='1'><body>buy</body></message>", stranger: true) == nil)
        #expect(try push("<presence from='spammer@example.org' type='subscribe'/>", stranger: true) == nil)
        #expect(try push("<message from='romeo@example.org/p' type='chat' id='2'><body>hi</body></message>", stranger: false) != nil)
        #expect(try push("<message from='romeo@example.org/p' type='chat' id='3'><body>hi again</body></message>", stranger: nil) != nil)
        #expect(try push("<message from='room@muc.example.org/x' type='groupchat' id='4'><body>all</body></message>", stranger: true) != nil)
    }

    @Test func roomMessagesForTheFilterDoNotPushWhereNoFilterAsksForThem() throws {
        let h = try pending(Self.siskinExtensions(rooms: "<room jid='always@muc.example.org' allow='always'/>"))
        // A second enablement of the same user, without extensions.
        #expect(try h.enable("juliet@example.net/desk", service: "push.other.example", node: "n2")[attribute: "type"] == "result")
        h.advance(seconds: 3600)
        let publishes = try h.held("juliet@example.net", "<message from='always@muc.example.org/romeo' type='groupchat' id='1'><body>hello all</body></message>").publishes
        #expect(publishes.map { $0[attribute: "to"] } == ["push.remote.example"])
    }
}
