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

    /// `scheme://host[:port]` of an endpoint, the audience of its VAPID
    /// token; nil when the endpoint is not an http or https URL.
    static func origin(_ endpoint: String) -> String? {
        EndpointPolicy.origin(of: endpoint)?.serialized
    }
}
