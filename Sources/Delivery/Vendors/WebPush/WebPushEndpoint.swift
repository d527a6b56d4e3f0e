import NudgeNet
import NudgeCore

/// The endpoint rule of a Web Push backend, for the code that registers
/// subscriptions and for the backend before each push. It is the app
/// server's `EndpointPolicy`, so registration and delivery judge alike.
public enum WebPushEndpoint {
    /// nil when `endpoint` may be used, else a precise refusal ("endpoint
    /// must be https", "endpoint host 10.0.0.1 is a private address").
    /// Literal hosts only: names are checked at connect time.
    public static func check(_ endpoint: String, allowHTTP: Bool, allowPrivateAddresses: Bool) -> String? {
        EndpointPolicy.check(endpoint, allowHTTP: allowHTTP, allowPrivateAddresses: allowPrivateAddresses)
    }

    /// The origin `scheme://host[:port]` of an allowed endpoint (the
    /// audience of its VAPID token), or the refusal of `check`: one reading
    /// of the URL before each message.
    static func accept(_ endpoint: String, allowHTTP: Bool, allowPrivateAddresses: Bool) -> Result<String, EndpointPolicy.Refusal> {
        EndpointPolicy.accept(endpoint, allowHTTP: allowHTTP, allowPrivateAddresses: allowPrivateAddresses).map(\.serialized)
    }

    /// `scheme://host[:port]` of an endpoint, the audience of its VAPID
    /// token; nil when the endpoint is not an http or https URL.
    static func origin(_ endpoint: String) -> String? {
        EndpointPolicy.origin(of: endpoint)?.serialized
    }
}
