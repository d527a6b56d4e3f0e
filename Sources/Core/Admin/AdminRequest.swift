import NudgeXMPP

/// A nudge_admin() command, read from its JSON request. Reading it is
/// policy (which commands exist, which fields each needs, what an error
/// says), so it lives in the core; the runtime only carries it out.
public enum AdminRequest: Equatable, Sendable {
    case stats
    case verify
    case backup(path: String)
    case unregister(node: String)
    case list(user: JID)
    case remove(user: JID, service: String, node: String)
    case testPush(user: JID)

    static let commands = "list, remove, unregister, test-push, stats, verify or backup"

    /// The request, or the error to answer with (`.invalid`, `.jid`).
    public static func parse(_ request: String) -> Result<AdminRequest, EngineError> {
        let json: JSON
        do { json = try JSON.parse(request) } catch {
            return .failure(EngineError(.invalid, "request is not JSON: \(error.message)"))
        }
        guard let command = json["command"]?.stringValue else {
            return .failure(EngineError(.invalid, "command: required (\(commands))"))
        }
        switch command {
        case "stats": return .success(.stats)
        case "verify": return .success(.verify)
        case "backup":
            guard let path = json["path"]?.stringValue, !path.isEmpty else {
                return .failure(EngineError(.invalid, "path: required (a new or empty directory for the backup)"))
            }
            return .success(.backup(path: path))
        case "unregister":
            guard let node = json["node"]?.stringValue, !node.isEmpty else {
                return .failure(EngineError(.invalid, "node: required (the registration's pubsub node)"))
            }
            return .success(.unregister(node: node))
        case "list", "remove", "test-push":
            guard let userText = json["user"]?.stringValue else { return .failure(EngineError(.invalid, "user: required")) }
            guard let user = try? JID(userText), user.local != nil else {
                return .failure(EngineError(.jid, "user: \"\(userText)\" is not a user's JID"))
            }
            switch command {
            case "list": return .success(.list(user: user.bare))
            case "test-push": return .success(.testPush(user: user.bare))
            default:
                guard let service = json["jid"]?.stringValue, let node = json["node"]?.stringValue else {
                    return .failure(EngineError(.invalid, "remove needs jid and node"))
                }
                // The enablement is stored under the service's normalised JID.
                let serviceJID = (try? JID(service))?.description ?? service
                return .success(.remove(user: user.bare, service: serviceJID, node: node))
            }
        default:
            return .failure(EngineError(.invalid, "command: unknown command \"\(command)\" (\(commands))"))
        }
    }

    /// The error for a committed result that found nothing to act on, or
    /// nil when the command did its work.
    public func notFound(in result: JSONObject) -> EngineError? {
        switch self {
        case .unregister:
            return result["removed"]?.intValue == 0 ? EngineError(.notFound, "no registration with that node") : nil
        case .remove(let user, let service, _):
            return result["removed"]?.intValue == 0
                ? EngineError(.notFound, "\(user) has no enablement at \(service) with that node") : nil
        case .testPush(let user):
            return result["queued"]?.intValue == 0 ? EngineError(.notFound, "\(user) has not enabled push") : nil
        case .stats, .verify, .backup, .list: return nil
        }
    }
}
