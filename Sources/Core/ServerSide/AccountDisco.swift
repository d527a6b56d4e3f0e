import NudgeXMPP
import NudgeStore

/// What push adds to a user's account in service discovery: the
/// urn:xmpp:push:0 feature and Tigase's enable extensions served here, and to the user alone the urn:xmpp:push:options
/// form in force. The engine answers account disco#info itself when it is
/// routed to it, and hands the same contribution to hosts that answer it
/// themselves (`nudge_account_disco`), so that both say the same.
public enum AccountDisco {
    /// The account's push features (nudge_info's `account_features`):
    /// XEP-0357, and Tigase's enable extensions served here, which Tigase's
    /// clients (Siskin, Snikket iOS) use only when the account announces them;
    /// Push 2.0 with its match and send profiles.
    public static let features = [NS.push] + EnableExtensions.discoFeatures + Push2EnableRequest.discoFeatures

    /// The features and, when `requester` is the account's own user, the
    /// options form, as children of a disco#info `<query/>`.
    public static func contribution(account: JID, requester: JID?, _ store: any StoreReader,
                                    defaults: Config.Server) throws(StoreError) -> [Element] {
        var children = features.map { Element("feature", namespace: NS.discoInfo, attributes: [("var", $0)]) }
        // The options are the user's own business: shown to the user only.
        if requester?.bare == account.bare {
            let options = try store.options(ofUser: account.bare.description).map(ContentOptions.init)
                ?? ContentOptions(defaults: defaults)
            children.append(options.form.element)
        }
        return children
    }
}

extension ContentOptions {
    /// The options as XEP-0357's urn:xmpp:push:options result form.
    var form: DataForm {
        var form = DataForm(type: "result", formType: NS.pushOptions)
        for (i, name) in Self.fields.enumerated() {
            form.fields.append(.init(name, type: "boolean", values: [values[i] ? "1" : "0"]))
        }
        return form
    }
}
