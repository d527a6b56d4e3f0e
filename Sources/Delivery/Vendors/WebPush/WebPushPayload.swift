import NudgeStore
import NudgeCrypto
import NudgeXMPP

/// The encrypted body of a Web Push message: the summary as JSON, padded
/// so its length says little, within the 4096 bytes every push service
/// must accept (RFC 8030 §7.2).
enum WebPushPayload {
    static let bodyLimit = 4096
    /// Plaintext and padding that fit: the limit less the aes128gcm header,
    /// the record delimiter and the GCM tag (3993 bytes).
    static let plaintextLimit = bodyLimit - WebPushEncryption.headerLength - 1 - AES128GCM.tagLength

    /// `{"message-count":3,…}`: the same summary APNs and FCM carry.
    static func plaintext(_ summary: PushSummary) -> [UInt8] {
        Array(JSON.object(summary.jsonObject).serialized().utf8)
    }

    /// The plaintext for `summary`: as is if it fits, else without the
    /// message body; nil when even that is too large.
    static func fitting(_ summary: PushSummary) -> [UInt8]? {
        for candidate in [summary, summary.withoutBody] {
            let bytes = plaintext(candidate)
            if bytes.count <= plaintextLimit { return bytes }
        }
        return nil
    }

    /// Padding that brings `length` bytes up to the next multiple of
    /// `padTo`, or to `plaintextLimit` when that multiple would not fit.
    static func padding(length: Int, padTo: Int) -> Int {
        let step = max(1, padTo)
        let target = min((length + step - 1) / step * step, plaintextLimit)
        return max(0, target - length)
    }

    /// The body for `subscription`: fresh sender key and salt per message.
    static func body(_ plaintext: [UInt8], for subscription: WebPushSubscription, padTo: Int) throws(CryptoError) -> [UInt8] {
        try WebPushEncryption.encrypt(plaintext: plaintext, uaPublicKey: subscription.publicKey,
                                      authSecret: subscription.authSecret,
                                      padding: padding(length: plaintext.count, padTo: padTo),
                                      senderKey: nil, salt: nil)
    }
}
