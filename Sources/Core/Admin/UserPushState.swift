import NudgeXMPP
import NudgeStore

/// The `list` admin command's answer: a user's enablements, content
/// options and registered devices, with device tokens redacted.
public enum UserPushState {
    public static func json(of user: JID, _ r: any StoreReader, defaults: Config.Server) throws(StoreError) -> JSONObject {
        var enablements: [JSON] = []
        for (key, record) in try r.enables(ofUser: user.description) {
            var e: JSONObject = ["jid": .string(key.service), "node": .string(key.node),
                                 "resource": .string(record.resource),
                                 "enabled_at": .number(Double(record.enabledAt))]
            if let push2 = record.push2 {
                // The client string may be a Web Push endpoint: a capability, shown redacted.
                e["push2"] = ["service": .string(push2.service), "client": .string(Redact.token(push2.client)),
                              "profiles": .array(push2.matches.map { .string(Push2EnableRequest.profileName($0.profile)) })]
            }
            enablements.append(.object(e))
        }
        let options = try r.options(ofUser: user.description).map(ContentOptions.init) ?? ContentOptions(defaults: defaults)
        var o = JSONObject()
        for (i, name) in ContentOptions.fields.enumerated() { o[name] = .bool(options.values[i]) }
        var devices: [JSON] = []
        for (node, reg) in try r.registrations(owner: user.description) {
            var d: JSONObject = ["node": .string(node), "vendor": .string(reg.vendor), "app": .string(reg.app),
                                 "device_id": .string(reg.deviceID), "token": .string(Redact.token(reg.token)),
                                 "registered_at": .number(Double(reg.updatedAt))]
            if let name = reg.deviceName { d["device_name"] = .string(name) }
            devices.append(.object(d))
        }
        return ["user": .string(user.description), "enablements": .array(enablements), "options": .object(o),
                "registrations": .array(devices)]
    }
}
