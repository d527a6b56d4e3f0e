import NudgeCore
import NudgeXMPP

/// Publishes sent to remote app servers and not yet answered, by iq id.
/// Host threads look answers up here to tell them from stanzas the engine
/// does not serve (NUDGE_ENOTFOR), so this lives outside the writer.
final class InFlightPublishes: @unchecked Sendable {
    private let monitor = Monitor()
    private var byID: [String: PublishInFlight] = [:]

    func insert(_ id: String, _ flight: PublishInFlight) { monitor.locked { byID[id] = flight } }
    func take(_ id: String) -> PublishInFlight? { monitor.locked { byID.removeValue(forKey: id) } }

    /// Takes the publish only when the answer comes from the app server it
    /// was sent to: anyone else guessing an id must not cancel a push or
    /// disable a user's notifications.
    func take(_ id: String, answeredBy from: String) -> PublishInFlight? {
        guard let sender = try? JID(from) else { return nil }
        return monitor.locked {
            guard let flight = byID[id], flight.service == sender.bare.description || flight.service == sender.description else { return nil }
            byID[id] = nil
            return flight
        }
    }

    var count: Int { monitor.locked { byID.count } }
}
