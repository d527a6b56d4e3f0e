import NudgeCrypto

/// How Conversations (and the p2 app server it was written against) names
/// what a push is for, so that the phone wakes the right account and can
/// tell a room's push from the account's. The names are the client's own
/// definitions, SHA-1 of a JID and the phone's android-id joined by NUL,
/// in lowercase hex (Conversations `CryptoHelper.getAccountFingerprint`;
/// it compares the FCM data's `account` with it, and a `channel` it no
/// longer knows makes it send `unregister-push-fcm`).
public enum ConversationsNames {
    /// The FCM data key naming the account, and its value for `owner`.
    static let accountKey = "account"
    /// The FCM data key naming the room, and its value for `room`.
    static let channelKey = "channel"
    /// The room a channel registration is for (shown when listing).
    static let roomKey = "room"
    /// The registration extras that go into the FCM data as they are.
    public static let dataKeys = [accountKey, channelKey]

    static func account(owner: String, androidID: String) -> String { hash(owner, androidID) }

    static func channel(room: String, androidID: String) -> String { hash(room, androidID) }

    /// A room's registration is a device of its own: the phone's id and
    /// the channel, so that `unregister-push-fcm` (which names both) finds
    /// it, and the account's registration (the android-id alone) is apart.
    static func roomDeviceID(androidID: String, channel: String) -> String { androidID + "#" + channel }

    private static func hash(_ jid: String, _ androidID: String) -> String {
        Hex.encode(SHA1.hash(Array(jid.utf8) + [0] + Array(androidID.utf8)))
    }
}
