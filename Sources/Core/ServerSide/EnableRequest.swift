import NudgeXMPP
import NudgeStore

/// A validated <enable/>: the app server, the node, the publish-options to
/// send back with every publish, and the in-band options form if any.
struct EnableRequest {
    /// Node names are opaque to us but end up in keys and logs; XEP-0060
    /// sets no limit, so take the one RFC 7622 sets for JID parts.
    static let maxNodeBytes = 1023

    var service: JID
    var node: String
    var publishOptions: [StoredField] = []
    var optionsForm: DataForm?
    /// Tigase's extensions (encryption, priority, Jingle, filters).
    var extensions: EnableExtensions = .none

    /// Returns nil after queueing the precise error reply.
    init?(_ enable: Element, iq: Element, step: inout Step) {
        guard let jidText = enable[attribute: "jid"], !jidText.isEmpty else {
            step.refuse(iq, "modify", "bad-request", "enable needs a 'jid' attribute: the app server's JID")
            return nil
        }
        do { service = try JID(jidText) } catch {
            step.refuse(iq, "modify", "jid-malformed", "jid: \(error.message)")
            return nil
        }
        guard service.description != EnableKey.push2Service else {
            step.refuse(iq, "modify", "jid-malformed", "jid: '\(EnableKey.push2Service)' is no app server")
            return nil
        }
        guard let node = enable[attribute: "node"], !node.isEmpty else {
            step.refuse(iq, "modify", "bad-request", "enable needs a 'node' attribute: the node the app server gave")
            return nil
        }
        guard node.utf8.count <= Self.maxNodeBytes else {
            step.refuse(iq, "modify", "bad-request", "node is longer than \(Self.maxNodeBytes) bytes")
            return nil
        }
        self.node = node
        var seenPublishOptions = false
        for x in enable.children("x", namespace: NS.dataForms) {
            let form: DataForm
            do { form = try DataForm(x) } catch {
                step.refuse(iq, "modify", "bad-request", "malformed data form: \(error.message)")
                return nil
            }
            switch form.formType {
            case NS.pubsubPublishOptions:
                guard !seenPublishOptions else {
                    step.refuse(iq, "modify", "bad-request", "more than one publish-options form")
                    return nil
                }
                seenPublishOptions = true
                publishOptions = form.fields.filter { $0.variable != "FORM_TYPE" }
                    .map { StoredField(name: $0.variable, values: $0.values) }
            case NS.pushOptions:
                guard optionsForm == nil else {
                    step.refuse(iq, "modify", "bad-request", "more than one \(NS.pushOptions) form")
                    return nil
                }
                optionsForm = form
            default:
                step.refuse(iq, "modify", "bad-request",
                            "unexpected form \(form.formType.map { "'\($0)'" } ?? "without FORM_TYPE") in enable")
                return nil
            }
        }
        guard let extensions = EnableExtensions(enable, iq: iq, step: &step) else { return nil }
        self.extensions = extensions
    }
}
