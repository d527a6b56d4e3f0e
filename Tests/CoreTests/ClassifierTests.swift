import Testing
import NudgeCore
import NudgeXMPP

private func classify(_ xml: String, notifyOn: Config.NotifyOn = .important, nick: String? = nil) throws -> HeldStanza? {
    Classifier(notifyOn: notifyOn).classify(try XMLParser.parse(xml), user: try JID("juliet@example.net"), roomNick: nick)
}

@Suite struct ClassifierTests {
    @Test(arguments: [
        ("<message from='r@x.org/a' id='1'><body>hi</body></message>", PushReason.message),
        ("<message from='r@x.org/a' id='1'><encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='1'/><payload>AA==</payload></encrypted><body>I sent you an OMEMO encrypted message</body></message>", .encrypted),
        ("<message from='r@x.org/a' id='1'><encrypted xmlns='urn:xmpp:omemo:2'><header sid='1'/><payload>AA==</payload></encrypted></message>", .encrypted),
        ("<message from='r@x.org/a' id='1'><openpgp xmlns='urn:xmpp:openpgp:0'>BASE64</openpgp></message>", .encrypted),
        ("<message from='r@x.org/a' id='1'><x xmlns='jabber:x:encrypted'>BASE64</x><body>This message is encrypted.</body></message>", .encrypted),
        ("<message from='r@x.org/a' id='1'><propose xmlns='urn:xmpp:jingle-message:0' id='c'/></message>", .call),
        ("<message from='r@x.org/a' id='1'><retract xmlns='urn:xmpp:jingle-message:0' id='c'/></message>", .call),
        ("<message from='juliet@example.net/desk' id='1'><proceed xmlns='urn:xmpp:jingle-message:0' id='c'/></message>", .call),
        ("<presence from='r@x.org' type='subscribe'/>", .subscription),
        ("<message from='room@muc.x.org/romeo' type='groupchat' id='1'><body>juliet: are you there?</body></message>", .mention),
        ("<message from='room@muc.x.org/romeo' type='groupchat' id='1'><body>ping</body><reference xmlns='urn:xmpp:reference:0' type='mention' uri='xmpp:juliet@example.net' begin='0' end='4'/></message>", .mention),
        ("<message from='x@y/z' id='1'><received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'><message from='r@x.org/a' id='i'><body>carbon</body></message></forwarded></received></message>", .message),
    ])
    func important(xml: String, reason: PushReason) throws {
        #expect(try classify(xml, nick: "juliet")?.reason == reason)
    }

    @Test(arguments: [
        "<message from='r@x.org/a' id='1'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>",
        "<message from='r@x.org/a' id='1'><received xmlns='urn:xmpp:receipts' id='0'/></message>",
        "<message from='r@x.org/a' id='1'><displayed xmlns='urn:xmpp:chat-markers:0' id='0'/></message>",
        "<message from='r@x.org/a' type='error' id='1'><body>bounced</body></message>",
        "<message from='r@x.org/a' id='1'><body>   </body></message>",
        "<message from='room@muc.x.org/romeo' type='groupchat' id='1'><body>hello all</body></message>",
        "<message from='room@muc.x.org/romeo' type='groupchat' id='1'><body>julietta said hi</body></message>",
        "<message from='x@y/z' id='1'><sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'><message id='i'><body>mine</body></message></forwarded></sent></message>",
        "<message from='r@x.org/a' id='1'><encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='1'/></encrypted></message>",
        "<message from='r@x.org/a' id='1'><accept xmlns='urn:xmpp:jingle-message:0' id='c'/></message>",
        "<message from='juliet@example.net/desk' id='1'><retract xmlns='urn:xmpp:jingle-message:0' id='c'/></message>",
        "<presence from='r@x.org' type='subscribed'/>",
        "<presence from='r@x.org/a'/>",
        "<iq type='get' id='1'/>",
    ])
    func notImportant(xml: String) throws {
        #expect(try classify(xml, nick: "juliet") == nil)
    }

    /// ejabberd's MucSub event (mod_muc_room `wrap`) for a subscriber not
    /// in the room: the room message inside is judged, as ejabberd's
    /// mod_push does (`unwrap_message`).
    static func mucsub(_ inner: String, node: String = "urn:xmpp:mucsub:nodes:messages") -> String {
        "<message from='room@muc.x.org' to='juliet@example.net' id='w1'><event xmlns='http://jabber.org/protocol/pubsub#event'>"
            + "<items node='\(node)'><item id='w1'>\(inner)</item></items></event></message>"
    }

    @Test func aMucSubEventIsJudgedByTheRoomMessageItCarries() throws {
        let mention = "<message xmlns='jabber:client' from='room@muc.x.org/romeo' to='juliet@example.net' type='groupchat' id='g1'><body>juliet: lunch?</body></message>"
        let held = try #require(try classify(Self.mucsub(mention), nick: "juliet"))
        #expect(held.reason == .mention && held.kind == .groupchat && held.sender == "room@muc.x.org/romeo")
        #expect(held.dedupeKey == (try classify(mention, nick: "juliet"))?.dedupeKey)
        let chatter = "<message from='room@muc.x.org/romeo' type='groupchat' id='g2'><body>lunch?</body></message>"
        #expect(try classify(Self.mucsub(chatter), nick: "juliet") == nil)
        let held2 = try #require(Classifier(notifyOn: .important).classify(try XMLParser.parse(Self.mucsub(chatter)), user: try JID("juliet@example.net"),
                                                                           roomNick: nil, roomMessages: true))
        #expect(held2.onlyByRoomFilter && held2.body == "lunch?")
        // Other MucSub nodes carry no message to read.
        let presence = "<presence from='room@muc.x.org/romeo'/>"
        #expect(try classify(Self.mucsub(presence, node: "urn:xmpp:mucsub:nodes:presence")) == nil)
        #expect(try classify(Self.mucsub(mention, node: "urn:xmpp:mucsub:nodes:presence"), nick: "juliet") == nil)
    }

    @Test func notifyOnAllPushesTheRest() throws {
        let held = try classify("<message from='r@x.org/a' id='1'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>", notifyOn: .all)
        #expect(held?.reason == .other)
        #expect(try classify("<message from='r@x.org/a' type='error' id='1'/>", notifyOn: .all) == nil)
    }

    @Test func encryptedBodiesNeverReachTheSummary() throws {
        let held = try classify("<message from='r@x.org/a' id='1'><encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='1'/><payload>AA==</payload></encrypted><body>I sent you an OMEMO encrypted message</body></message>")
        #expect(held?.body == nil)
        #expect(held?.sender == "r@x.org")
    }

    @Test func duplicatesShareTheirKey() throws {
        let offline = try classify("<message from='r@x.org/a' id='abc'><body>hi</body></message>")
        let archived = try classify("<message from='r@x.org/a' id='abc'><body>hi</body><stanza-id xmlns='urn:xmpp:sid:0' by='juliet@example.net' id='arch-1'/></message>")
        #expect(offline?.dedupeKey == archived?.dedupeKey)
        let other = try classify("<message from='r@x.org/a' id='abd'><body>hi</body></message>")
        #expect(other?.dedupeKey != offline?.dedupeKey)
        let origin1 = try classify("<message from='r@x.org/a' id='1'><origin-id xmlns='urn:xmpp:sid:0' id='o'/><body>x</body></message>")
        let origin2 = try classify("<message from='r@x.org/a' id='2'><origin-id xmlns='urn:xmpp:sid:0' id='o'/><body>x</body></message>")
        #expect(origin1?.dedupeKey == origin2?.dedupeKey)
    }
}
