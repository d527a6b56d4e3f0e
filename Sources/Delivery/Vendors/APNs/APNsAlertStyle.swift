import NudgeCore

/// The parts of a backend's configuration that shape an alert.
struct APNsAlertStyle: Sendable, Equatable {
    /// Shown when the summary carries no message body (the user's options
    /// keep bodies out of pushes, or the body did not fit).
    var alertBody: String
    /// The sound to play; nil plays none.
    var sound: String?
    /// Lets the app's notification service extension rewrite the alert.
    var mutableContent: Bool

    init(alertBody: String, sound: String?, mutableContent: Bool) {
        self.alertBody = alertBody
        self.sound = sound
        self.mutableContent = mutableContent
    }

    init(_ config: BackendConfig) {
        self.init(alertBody: config.alertBody, sound: config.sound, mutableContent: config.mutableContent)
    }
}
