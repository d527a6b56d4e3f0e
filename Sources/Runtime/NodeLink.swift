import NudgeCore
import NudgeStore

/// What this engine does about the other nodes sharing its PostgreSQL
/// store: their enablement changes are read again into the in-memory
/// index (so that a stanza held here for a user who enabled push there is
/// not dropped), a dead node's due jobs become this writer's timers,
/// which claim them in the store before sending, and so do its overdue
/// follow-ups.
///
/// Holds the engine weakly: the store's listener holds this.
final class NodeLink: NodeObserver, @unchecked Sendable {
    weak var engine: Engine?

    func enablementsChanged(user: String) {
        guard let engine else { return }
        do {
            let mine = try engine.read { r in try r.enables(ofUser: user) }
            engine.output.index.replace(user: user, with: mine)
        } catch {
            engine.output.log(.warn, "store: enablements of \(user) changed on another node but could not be read (\(error)); reading them all again")
            missedChanges()
        }
    }

    func missedChanges() {
        guard let engine else { return }
        do {
            let all = try engine.read { r in
                var all: [(key: EnableKey, record: EnableRecord)] = []
                try r.forEachEnable { key, record in
                    all.append((key, record))
                    return true
                }
                return all
            }
            engine.output.index.replaceAll(with: all)
        } catch {
            engine.output.log(.error, "store: the enablements could not be read again after the listener reconnected: \(error)")
        }
    }

    func orphanedJobs(_ seqs: [UInt64]) {
        guard let engine else { return }
        engine.output.log(.info, "push: taking over \(seqs.count) delivery job(s) no live node holds")
        for seq in seqs where engine.submit(.timer(.deliver(seq: seq)), orRefuse: nil) != .ok { break }
    }

    /// The core checks the summary when the timer fires: a follow-up sent
    /// meanwhile (or by another node first) is not sent again.
    func overdueFollowUps(_ keys: [EnableKey]) {
        guard let engine else { return }
        engine.output.log(.info, "push: sending \(keys.count) follow-up(s) overdue by more than a node lease")
        for key in keys where engine.submit(.timer(.followUp(key)), orRefuse: nil) != .ok { break }
    }

    func listenerFailed(_ message: String) {
        engine?.output.log(.warn, "store: \(message)")
    }
}
