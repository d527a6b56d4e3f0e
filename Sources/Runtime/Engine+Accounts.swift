import NudgeCore
import NudgeXMPP
import NudgeStore

/// What hosts ask about accounts, and tell when one goes.
extension Engine {
    /// nudge_user_removed(): the account `user` was deleted. Queued for the
    /// writer like every change; returns at once.
    public func userRemoved(_ user: String) -> ResultCode {
        guard isOpen else { return .invalid }
        guard let jid = try? JID(user), jid.local != nil, jid.resource == nil else {
            output.log(.info, "user removal refused: \"\(user.prefix(64))\" is not a user's bare JID")
            output.stats.error("bad_jid")
            return .jid
        }
        guard config.server.domains.contains(jid.domain) else { return .notFor }
        return submit(.userRemoved(jid), orRefuse: nil)
    }

    /// nudge_account_disco(): what push adds to the disco#info of
    /// `account` asked by `requester`, as a disco#info `<query/>`.
    /// `.notFor` for an account on a domain the engine does not serve.
    public func accountDisco(account: String, requester: String?) -> Result<String, EngineError> {
        guard isOpen else { return .failure(EngineError(.invalid, "the engine is closed")) }
        guard let jid = try? JID(account), jid.local != nil, jid.resource == nil else {
            return .failure(EngineError(.jid, "account: \"\(account.prefix(64))\" is not a user's bare JID"))
        }
        let asker: JID?
        if let requester {
            guard let r = try? JID(requester) else {
                return .failure(EngineError(.jid, "requester: \"\(requester.prefix(64))\" is not a valid JID"))
            }
            asker = r
        } else {
            asker = nil
        }
        guard config.server.domains.contains(jid.domain) else {
            return .failure(EngineError(.notFor, "\(jid.domain) is not one of server.domains"))
        }
        do {
            let children = try store.read { r in
                try AccountDisco.contribution(account: jid, requester: asker, r, defaults: config.server)
            }
            return .success(Element("query", namespace: NS.discoInfo, children: children.map { .element($0) }).serialized())
        } catch {
            return .failure(EngineError(.store, "cannot read the store: \(error)"))
        }
    }
}

