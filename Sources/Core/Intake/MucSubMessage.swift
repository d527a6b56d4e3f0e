import NudgeXMPP

/// ejabberd's MucSub: a room delivers its messages to a subscriber who is
/// not in the room (offline, or online elsewhere) at the subscriber's bare
/// JID, each wrapped as a pubsub event of the room's messages node:
///
///     <message from='room@conference' to='user@host'>
///       <event xmlns='http://jabber.org/protocol/pubsub#event'>
///         <items node='urn:xmpp:mucsub:nodes:messages'>
///           <item id='…'><message from='room@conference/nick' type='groupchat'>…</message></item>
///
/// ejabberd's own mod_push and mod_offline judge the inner message, and so
/// does Nudge: it is the room message the user missed.
public enum MucSubMessage {
    /// The room's message (a private one from an occupant too) that a
    /// MucSub event carries, or nil when `message` is no such event (other
    /// MucSub nodes: presence, affiliations, subject, configuration).
    public static func unwrap(_ message: Element) -> Element? {
        guard message.name == "message",
              let items = message.child("event", namespace: NS.pubsubEvent)?.child("items"),
              items[attribute: "node"] == NS.mucsubMessages,
              let inner = items.child("item")?.child("message") else { return nil }
        return inner
    }
}
