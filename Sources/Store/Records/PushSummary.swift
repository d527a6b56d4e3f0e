/// What a published notification says, read from its XML once when the
/// publish is accepted and kept in its outbox job (`OutboxRecord.summary`),
/// so that a delivery does not parse the stanza again: the
/// urn:xmpp:push:summary fields, Tigase's encrypted payload, or a Push 2.0
/// notification's content.
///
/// The engine put only what the user's content options allow into the
/// form, so whatever is present here may go to the vendor.
public struct PushSummary: Sendable, Equatable {
    public var messageCount: String?
    public var pendingSubscriptionCount: String?
    public var lastMessageSender: String?
    public var lastMessageBody: String?
    public var lastMessagePriority: String?
    /// `restart` or `timeout`: the push wakes the app, it announces no message.
    public var wakeReason: String?
    /// Tigase's encrypted payload, in place of the form's fields.
    public var encrypted: EncryptedPayload?
    /// A Push 2.0 notification's content, in place of a summary.
    public var push2: Push2Content?

    /// `<notification xmlns='urn:xmpp:push2:0'>`: the RFC 8291 payload
    /// (base64) and the client's RFC 8292 JWT, for the device as they are.
    public struct Push2Content: Sendable, Equatable {
        public var payload: String?
        public var jwt: String?
        /// The JWT signer's public key, standard base64 as sent.
        public var jwtKey: String?
        public var voip: Bool

        public init(payload: String?, jwt: String?, jwtKey: String?, voip: Bool) {
            self.payload = payload
            self.jwt = jwt
            self.jwtKey = jwtKey
            self.voip = voip
        }
    }

    /// `<encrypted xmlns='tigase:push:encrypt:0' iv=… [type='voip']>`:
    /// only the client reads it, so it goes to the device as it is.
    public struct EncryptedPayload: Sendable, Equatable {
        public var data: String
        public var iv: String
        /// A call: for the device's PushKit token, when it registered one.
        public var voip: Bool

        public init(data: String, iv: String, voip: Bool) {
            self.data = data
            self.iv = iv
            self.voip = voip
        }
    }

    public init(messageCount: String? = nil, pendingSubscriptionCount: String? = nil, lastMessageSender: String? = nil,
                lastMessageBody: String? = nil, lastMessagePriority: String? = nil, wakeReason: String? = nil,
                encrypted: EncryptedPayload? = nil, push2: Push2Content? = nil) {
        self.messageCount = messageCount
        self.pendingSubscriptionCount = pendingSubscriptionCount
        self.lastMessageSender = lastMessageSender
        self.lastMessageBody = lastMessageBody
        self.lastMessagePriority = lastMessagePriority
        self.wakeReason = wakeReason
        self.encrypted = encrypted
        self.push2 = push2
    }

    func encode(into w: inout ByteWriter) {
        for field in [messageCount, pendingSubscriptionCount, lastMessageSender, lastMessageBody, lastMessagePriority, wakeReason] {
            w.writeOptional(field) { $0.writeString($1) }
        }
        w.writeOptional(encrypted) { w, e in
            w.writeString(e.data)
            w.writeString(e.iv)
            w.writeBool(e.voip)
        }
        w.writeOptional(push2) { w, p in
            w.writeOptional(p.payload) { $0.writeString($1) }
            w.writeOptional(p.jwt) { $0.writeString($1) }
            w.writeOptional(p.jwtKey) { $0.writeString($1) }
            w.writeBool(p.voip)
        }
    }

    init(from r: inout ByteReader) throws(StoreError) {
        func string(_ r: inout ByteReader) throws(StoreError) -> String? { try r.readOptional { r throws(StoreError) in try r.readString() } }
        self.init(messageCount: try string(&r), pendingSubscriptionCount: try string(&r), lastMessageSender: try string(&r),
                  lastMessageBody: try string(&r), lastMessagePriority: try string(&r), wakeReason: try string(&r))
        encrypted = try r.readOptional { r throws(StoreError) in
            EncryptedPayload(data: try r.readString(), iv: try r.readString(), voip: try r.readBool())
        }
        push2 = try r.readOptional { r throws(StoreError) in
            Push2Content(payload: try string(&r), jwt: try string(&r), jwtKey: try string(&r), voip: try r.readBool())
        }
    }
}
