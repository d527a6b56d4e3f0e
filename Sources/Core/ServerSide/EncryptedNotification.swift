import NudgeXMPP
import NudgeStore
import NudgeCrypto

/// Tigase's encrypted push (`tigase:push:encrypt:0`): the summary form is
/// replaced by `<encrypted iv='…'>` holding AES-128-GCM of a JSON object
/// that only the client, which gave the key at enable time, can read. The
/// fields are those Siskin's `Payload` and `VoIPPayload` decode (unread,
/// sender, type, nickname, message, sid, media) and Tigase's
/// `EncryptedPushNotificationExtension` writes. Because nobody between the
/// server and the client can read it, it carries the sender and the body
/// whatever the server's urn:xmpp:push:options defaults hide from app
/// servers; options the user set in-band still apply (PublishBuilder).
enum EncryptedNotification {
    /// What an end-to-end encrypted message says instead of its body (the
    /// text of Tigase's `encrypted-message-body` default).
    static let encryptedBodyText = "New secure message. Open to see the message."
    /// The longest body a push carries, in UTF-8 bytes (as Prosody's
    /// mod_cloud_notify_encrypted cuts it).
    static let bodyLimit = 255
    static let ivLength = 12

    /// The `<encrypted/>` element for a push of `s` for `reason`.
    static func element(_ s: SummaryRecord, reason: PushReason, key: [UInt8], maxSize: UInt32?,
                        voip: Bool) throws(CryptoError) -> Element {
        let plaintext = payload(s, reason: reason, maxSize: maxSize)
        let iv = SecureRandom.bytes(ivLength)
        let sealed = try AES128GCM.seal(key: key, nonce: iv, plaintext: plaintext)
        var attributes = [("iv", Base64.encode(iv))]
        if voip && isCall(s, reason) { attributes.insert(("type", "voip"), at: 0) }
        var e = Element("encrypted", namespace: NS.tigasePushEncrypt, attributes: attributes)
        e.append(text: Base64.encode(sealed))
        return e
    }

    /// A push for a call proposal: rings (and as VoIP, if asked for).
    static func isCall(_ s: SummaryRecord, _ reason: PushReason) -> Bool {
        reason == .call && s.lastKind == .call && s.lastCall != nil
    }

    /// The JSON bytes, the message cut so that the sealed and base64-coded
    /// result stays within `maxSize` when the client gave one.
    static func payload(_ s: SummaryRecord, reason: PushReason, maxSize: UInt32?) -> [UInt8] {
        var message: String?
        if s.lastKind == .chat || s.lastKind == .groupchat {
            message = s.lastEncrypted ? encryptedBodyText : s.lastBody?.utf8Prefix(bodyLimit)
        }
        var bytes = Array(json(s, reason: reason, message: message).serialized().utf8)
        guard let maxSize else { return bytes }
        // base64 of ciphertext ‖ tag: 4 characters for every 3 bytes.
        let allowed = Int(maxSize) / 4 * 3 - AES128GCM.tagLength
        while bytes.count > allowed, let m = message, !m.isEmpty {
            let shorter = m.utf8Prefix(max(0, m.utf8.count - (bytes.count - allowed)))
            message = shorter.isEmpty ? nil : shorter
            bytes = Array(json(s, reason: reason, message: message).serialized().utf8)
        }
        return bytes
    }

    private static func json(_ s: SummaryRecord, reason: PushReason, message: String?) -> JSON {
        var o = JSONObject()
        o["unread"] = .number(Double(s.messageCount))
        if isCall(s, reason), let call = s.lastCall {
            if !call.caller.isEmpty { o["sender"] = .string(call.caller) }   // empty: the user hides senders
            o["type"] = "call"
            o["sid"] = .string(call.sid)
            // Siskin tells a proposal from a call's end by `media` being
            // there (CallManager: "we require `media` to be present").
            if !call.ended { o["media"] = .array(call.media.map { .string($0) }) }
            return .object(o)
        }
        let sender = s.lastSender.flatMap { try? JID($0) }
        switch s.lastKind {
        case .groupchat:
            if let sender { o["sender"] = .string(sender.bare.description) }
            o["type"] = "groupchat"
            if let nick = sender?.resource { o["nickname"] = .string(nick) }
        case .subscribe:
            if let sender { o["sender"] = .string(sender.bare.description) }
            o["type"] = "subscribe"
        case .chat, .call:
            if let sender { o["sender"] = .string(sender.bare.description) }
            o["type"] = "chat"
        }
        if let message { o["message"] = .string(message) }
        return .object(o)
    }
}
