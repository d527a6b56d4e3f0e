import NudgeXMPP
import NudgeStore
import NudgeCrypto

extension RegistrationRequest {
    /// A `register-device` form (TigaseProvider): `provider`,
    /// `device-token` and, for VoIP, `device-second-token`. The device is
    /// its token: `unregister-device` names the provider and the token.
    /// The provider chooses the backend (TigaseProvider.routes).
    static func parse(tigase form: DataForm, backends: [BackendConfig]) -> Result<RegistrationRequest, RefusalText> {
        func field(_ name: String) -> String? {
            guard let v = form.value(name), !v.isEmpty else { return nil }
            return v
        }
        guard let provider = field("provider") else { return .failure("field provider is required") }
        guard let backend = TigaseProvider.backend(for: provider, in: backends) else {
            return .failure("field provider: \(provider) is not one of \(TigaseProvider.served(by: backends).joined(separator: ", "))")
        }
        let vendor = backend.vendor
        guard let raw = field("device-token") else { return .failure("field device-token is required") }
        guard let token = deviceToken(raw, vendor) else { return .failure("field device-token: not a hex or base64 APNs device token") }
        if let problem = tokenProblem(token, field: "field device-token") { return .failure(problem) }
        var extra = [StoredField(name: TigaseProvider.extraKey, values: [provider])]
        if let second = field("device-second-token") {
            guard let voip = deviceToken(second, vendor) else {
                return .failure("field device-second-token: not a hex or base64 APNs device token")
            }
            if let problem = tokenProblem(voip, field: "field device-second-token") { return .failure(problem) }
            extra.append(StoredField(name: TigaseProvider.voipTokenKey, values: [voip]))
        }
        return .success(RegistrationRequest(vendor: vendor, app: backend.app, token: token, extra: extra,
                                            deviceID: deviceID(provider: provider, token: token), deviceName: nil))
    }

    /// The device a Tigase registration is, found again by `unregister-device`:
    /// a digest of the token, so that listings and logs do not show it.
    static func deviceID(provider: String, token: String) -> String {
        provider + " " + String(Hex.encode(SHA256.hash(Array(token.utf8))).prefix(32))
    }

    /// APNs tokens in lowercase hex; other vendors' as they are.
    static func deviceToken(_ raw: String, _ vendor: BackendConfig.Vendor) -> String? {
        vendor == .apns ? apnsHex(raw) : raw
    }
}
