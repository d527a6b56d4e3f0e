/// The APNs push types this engine sends (`apns-push-type`).
enum APNsPushKind: String, Sendable, CaseIterable {
    /// A visible notification: title, body, sound.
    case alert
    /// A silent `content-available` push that wakes the app.
    case background
    /// A PushKit VoIP push, which iOS hands to the app at once.
    case voip

    /// The kind for one push. A wake (the summary has `wake-reason`)
    /// announces no message, so on an alert backend it goes as a background
    /// push: Apple wants a content-available-only payload sent as
    /// `background` at priority 5, and may drop it otherwise.
    func forPush(isWake: Bool) -> APNsPushKind {
        self == .alert && isWake ? .background : self
    }

    /// Apple's payload limit for the kind.
    var payloadLimit: Int { self == .voip ? 5120 : 4096 }
}
