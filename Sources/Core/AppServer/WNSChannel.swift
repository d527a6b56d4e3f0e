import NudgeNet

/// Which channel URIs a WNS backend sends to.
///
/// A channel URI comes from the client, and every push to it carries the
/// backend's access token: one pointing anywhere but WNS would hand that
/// token to whoever runs the host. So only `https://*.notify.windows.com`
/// is used, or, when `endpoint` is configured (a proxy, a test mock), the
/// origin of that endpoint.
public struct WNSChannel: Sendable {
    public static let domain = "notify.windows.com"
    /// The origin channel URIs must have instead of WNS's, when configured.
    public let requiredOrigin: EndpointPolicy.Origin?

    public init(endpoint: String?) {
        requiredOrigin = endpoint.flatMap { EndpointPolicy.origin(of: $0) }
    }

    /// nil when `uri` may be used, else why not.
    public func check(_ uri: String) -> String? {
        if let refusal = EndpointPolicy.check(uri, allowHTTP: true, allowPrivateAddresses: true) {
            return refusal.replacingEndpoint
        }
        guard let origin = EndpointPolicy.origin(of: uri) else { return "channel URI is not a URL" }
        if let requiredOrigin {
            return origin == requiredOrigin ? nil : "channel URI is not on the configured endpoint \(requiredOrigin.serialized)"
        }
        guard origin.scheme == "https" else { return "channel URI must be https" }
        guard origin.host == Self.domain || origin.host.hasSuffix("." + Self.domain) else {
            return "channel URI host \(origin.host) is not under \(Self.domain)"
        }
        return nil
    }
}

private extension String {
    /// EndpointPolicy's words ("endpoint has no host") about a channel URI.
    var replacingEndpoint: String {
        hasPrefix("endpoint") ? "channel URI" + dropFirst("endpoint".count) : self
    }
}
