/// XML namespaces Nudge reads or writes, named once so a typo is a
/// compile error rather than a stanza that silently matches nothing.
public enum NS {
    /// XEP-0357 push notifications.
    public static let push = "urn:xmpp:push:0"
    /// XEP-0357 notification summary form type.
    public static let pushSummary = "urn:xmpp:push:summary"
    /// Per-user push options form type.
    public static let pushOptions = "urn:xmpp:push:options"
    /// XEP-0060 publish-subscribe.
    public static let pubsub = "http://jabber.org/protocol/pubsub"
    /// XEP-0060 event notifications (the wrapper of ejabberd's MucSub).
    public static let pubsubEvent = "http://jabber.org/protocol/pubsub#event"
    /// ejabberd's MucSub node of a room's messages.
    public static let mucsubMessages = "urn:xmpp:mucsub:nodes:messages"
    /// XEP-0060 publish-options form type.
    public static let pubsubPublishOptions = "http://jabber.org/protocol/pubsub#publish-options"
    /// XEP-0004 data forms.
    public static let dataForms = "jabber:x:data"
    /// XEP-0030 service discovery, information.
    public static let discoInfo = "http://jabber.org/protocol/disco#info"
    /// XEP-0030 service discovery, items.
    public static let discoItems = "http://jabber.org/protocol/disco#items"
    /// XEP-0050 ad-hoc commands.
    public static let commands = "http://jabber.org/protocol/commands"
    /// RFC 6120 stanza error conditions.
    public static let stanzas = "urn:ietf:params:xml:ns:xmpp-stanzas"
    /// RFC 6120 client stream content.
    public static let client = "jabber:client"
    /// OMEMO before XEP-0384 version 0.4 (Conversations' namespace).
    public static let omemoLegacy = "eu.siacs.conversations.axolotl"
    /// XEP-0384 OMEMO 0.8 and later.
    public static let omemo2 = "urn:xmpp:omemo:2"
    /// XEP-0373 OpenPGP for XMPP.
    public static let openpgp = "urn:xmpp:openpgp:0"
    /// XEP-0027 legacy OpenPGP encryption.
    public static let legacyPGP = "jabber:x:encrypted"
    /// XEP-0353 Jingle message initiation (calls).
    public static let jingleMessage = "urn:xmpp:jingle-message:0"
    /// XEP-0167 Jingle RTP sessions: a proposal's descriptions name the media.
    public static let jingleRTP = "urn:xmpp:jingle:apps:rtp:1"
    /// Tigase's encrypted push notifications (enable's `<encrypt/>`, the
    /// notification's `<encrypted/>`).
    public static let tigasePushEncrypt = "tigase:push:encrypt:0"
    /// The disco feature naming the one algorithm of `tigasePushEncrypt`.
    public static let tigasePushEncryptAES128GCM = "tigase:push:encrypt:aes-128-gcm"
    /// Tigase's push priority (`<priority/>` in enable and notification).
    public static let tigasePushPriority = "tigase:push:priority:0"
    /// Tigase's Jingle push: calls pushed as VoIP.
    public static let tigasePushJingle = "tigase:push:jingle:0"
    /// Tigase's filter of muted JIDs.
    public static let tigasePushFilterMuted = "tigase:push:filter:muted:0"
    /// Tigase's filter of senders not in the roster.
    public static let tigasePushFilterIgnoreUnknown = "tigase:push:filter:ignore-unknown:0"
    /// Tigase's per-room group chat filter.
    public static let tigasePushFilterGroupchat = "tigase:push:filter:groupchat:0"
    /// XEP-0085 chat state notifications.
    public static let chatStates = "http://jabber.org/protocol/chatstates"
    /// XEP-0184 message delivery receipts.
    public static let receipts = "urn:xmpp:receipts"
    /// XEP-0333 chat markers.
    public static let markers = "urn:xmpp:chat-markers:0"
    /// XEP-0280 message carbons.
    public static let carbons = "urn:xmpp:carbons:2"
    /// XEP-0297 stanza forwarding.
    public static let forward = "urn:xmpp:forward:0"
    /// XEP-0313 message archive management.
    public static let mam = "urn:xmpp:mam:2"
    /// XEP-0359 unique and stable stanza IDs.
    public static let stanzaID = "urn:xmpp:sid:0"
    /// XEP-0372 references (mentions).
    public static let reference = "urn:xmpp:reference:0"
    /// XEP-0203 delayed delivery.
    public static let delay = "urn:xmpp:delay"
    /// XEP-0045 multi-user chat.
    public static let muc = "http://jabber.org/protocol/muc"
    /// XEP-0045 multi-user chat, user namespace.
    public static let mucUser = "http://jabber.org/protocol/muc#user"
    /// Push 2.0 (prosody-modules' mod_push2/push2.markdown).
    public static let push2 = "urn:xmpp:push2:0"
    /// Push 2.0 match profiles.
    public static let push2MatchAll = "urn:xmpp:push2:match:all"
    public static let push2MatchImportant = "urn:xmpp:push2:match:important"
    public static let push2MatchArchived = "urn:xmpp:push2:match:archived"
    public static let push2MatchArchivedWithBody = "urn:xmpp:push2:match:archived-with-body"
    /// Push 2.0 send profiles: a bare wake, and the stanza encrypted (RFC 8291) with a VAPID-style JWT (RFC 8292).
    public static let push2SendNotifyOnly = "urn:xmpp:push2:send:notify-only:0"
    public static let push2SendSCE = "urn:xmpp:push2:send:sce+rfc8291+rfc8292:0"
    /// The `<encrypted/>` of a Push 2.0 notification.
    public static let sceRFC8291 = "urn:xmpp:sce:rfc8291:0"
    /// XEP-0420 stanza content encryption envelope.
    public static let sce = "urn:xmpp:sce:1"
    /// XEP-0461 message replies.
    public static let reply = "urn:xmpp:reply:0"
    /// XEP-0066 out of band data (jabber:x:oob).
    public static let oob = "jabber:x:oob"
    /// XEP-0249 direct MUC invitations.
    public static let conference = "jabber:x:conference"
}
