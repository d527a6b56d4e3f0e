import NudgeCore

/// Makes the backend for each configured vendor.
public enum VendorBackends {
    /// Builds the backend for `config`, reading its key files now so that
    /// configuration errors surface at nudge_open, as `EngineError(.config)`
    /// whose message names the offending key (`<configKey>.key_file`, …).
    /// Permission warnings about key files go to `warn`; the caller logs them.
    public static func make(_ config: BackendConfig, warn: (String) -> Void) throws(EngineError) -> any VendorBackend {
        switch config.vendor {
        case .apns:
            return try APNsBackend(config, warn: warn)
        case .fcm:
            return try FCMBackend(config, warn: warn)
        case .webpush:
            return try WebPushBackend(config, warn: warn)
        case .wns:
            return try WNSBackend(config, warn: warn)
        case .ubuntu:
            return try UBportsBackend(config)
        }
    }
}
