import NudgeXMPP
import NudgeStore
import NudgeCrypto

/// A `register-push-*` command's form, read in the dialects existing
/// clients send, so none of them has to change:
/// - the original mod_push: `token`, `device-id`, `device-name`, and for
///   APNs a base64 token (hex is accepted too, as modern clients send);
/// - Conversations/p2: `register-push-fcm` with `token` and `android-id`,
///   and `muc` for a room's own registration (ConversationsNames);
/// - Web Push: `endpoint`, `p256dh`, `auth`;
/// - UBports: `token` and `application-id`.
struct RegistrationRequest {
    /// Tokens and endpoints are short in practice; this bounds what a
    /// client can make us store and send.
    static let maxTokenBytes = 4096

    var vendor: BackendConfig.Vendor
    var app: String?
    var token: String
    var extra: [StoredField] = []
    var deviceID: String
    var deviceName: String?

    /// A Conversations room's registration (it names a channel).
    var isRoom: Bool { extra.contains { $0.name == ConversationsNames.channelKey } }

    /// Returns the request, or the text of a bad-request error. `owner`:
    /// the registering bare JID.
    static func parse(_ vendor: BackendConfig.Vendor, _ form: DataForm, owner: String,
                      resource: String) -> Result<RegistrationRequest, RefusalText> {
        func field(_ name: String) -> String? {
            guard let v = form.value(name), !v.isEmpty else { return nil }
            return v
        }
        var deviceID = field("device-id") ?? field("android-id") ?? resource
        var deviceName = field("device-name")
        var token: String
        var extra: [StoredField] = []
        switch vendor {
        case .apns:
            guard let raw = field("token") else { return .failure("field token is required") }
            guard let hex = apnsHex(raw) else { return .failure("field token: not a hex or base64 APNs device token") }
            token = hex
        case .fcm:
            guard let raw = field("token") else { return .failure("field token is required") }
            token = raw
            let androidID = field("android-id")
            if let androidID {
                extra.append(StoredField(name: ConversationsNames.accountKey,
                                         values: [ConversationsNames.account(owner: owner, androidID: androidID)]))
            }
            if let muc = field("muc") {
                guard let androidID else { return .failure("field muc needs field android-id") }
                guard let jid = try? JID(muc), jid.local != nil, jid.resource == nil else {
                    return .failure("field muc: expected the room's bare JID")
                }
                let channel = ConversationsNames.channel(room: jid.description, androidID: androidID)
                extra.append(StoredField(name: ConversationsNames.channelKey, values: [channel]))
                extra.append(StoredField(name: ConversationsNames.roomKey, values: [jid.description]))
                deviceID = ConversationsNames.roomDeviceID(androidID: androidID, channel: channel)
                deviceName = deviceName ?? "room \(jid.description)"
            }
        case .wns:
            guard let raw = field("token") else { return .failure("field token is required") }
            token = raw
        case .webpush:
            guard let endpoint = field("endpoint") else { return .failure("field endpoint is required") }
            guard let p256dh = field("p256dh"), let key = Base64URL.decode(p256dh), key.count == 65, key.first == 4 else {
                return .failure("field p256dh: expected the subscription's P-256 public key (65 bytes, base64url)")
            }
            guard let auth = field("auth"), let secret = Base64URL.decode(auth), secret.count == 16 else {
                return .failure("field auth: expected the subscription's 16-byte auth secret (base64url)")
            }
            _ = (key, secret)
            token = endpoint
            extra = [StoredField(name: "p256dh", values: [p256dh]), StoredField(name: "auth", values: [auth])]
        case .ubuntu:
            guard let raw = field("token") else { return .failure("field token is required") }
            guard let appID = field("application-id") else { return .failure("field application-id is required") }
            token = raw
            extra = [StoredField(name: "application-id", values: [appID])]
        }
        if let problem = tokenProblem(token) { return .failure(problem) }
        guard deviceID.utf8.count <= 256 else { return .failure("device-id is longer than 256 bytes") }
        return .success(RegistrationRequest(vendor: vendor, app: field("app") ?? field("app-name"), token: token, extra: extra,
                                            deviceID: deviceID, deviceName: deviceName))
    }

    /// What is wrong with a token a client wants us to store and send to.
    static func tokenProblem(_ token: String, field: String = "the token") -> RefusalText? {
        guard token.utf8.count <= maxTokenBytes else { return "\(field) is longer than \(maxTokenBytes) bytes" }
        guard !token.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7f }) else {
            return "\(field) contains spaces or control characters"
        }
        return nil
    }

    /// APNs device tokens are binary; clients send them hex (modern) or
    /// base64 (the original mod_push). The HTTP/2 API wants lowercase hex.
    static func apnsHex(_ raw: String) -> String? {
        let isHex = raw.utf8.count % 2 == 0 && raw.unicodeScalars.allSatisfy { $0.properties.isASCIIHexDigit }
        if isHex { return raw.lowercased() }
        guard let bytes = Base64.decode(raw), !bytes.isEmpty else { return nil }
        return Hex.encode(bytes)
    }
}

/// The text of an XMPP error's <text/>.
struct RefusalText: Error, ExpressibleByStringLiteral, ExpressibleByStringInterpolation {
    let text: String
    init(stringLiteral value: String) { text = value }
    init(stringInterpolation: DefaultStringInterpolation) { text = String(stringInterpolation: stringInterpolation) }
    init(_ text: String) { self.text = text }
}
