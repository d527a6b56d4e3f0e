import NudgeCrypto
import NudgeCore
import NudgeXMPP

/// The service-account key file from the Firebase console: who we are to
/// Google and the RSA key that proves it.
struct FCMServiceAccount: Sendable {
    let projectID: String
    let privateKeyID: String
    let clientEmail: String
    let tokenURI: String
    let key: RSAPrivateKey

    /// Reads and checks the file named by `<configKey>.service_account_file`.
    static func load(_ config: BackendConfig, warn: (String) -> Void) throws(EngineError) -> FCMServiceAccount {
        let key = config.configKey + ".service_account_file"
        guard let path = config.serviceAccountFile else {
            throw VendorConfig.error(key, "required: the service-account JSON from the Firebase console")
        }
        return try FCMServiceAccount(json: try VendorConfig.read(path, key: key, warn: warn), path: path, configKey: key)
    }

    /// Parses the file's text; every error names `configKey`, the file and
    /// the field at fault.
    init(json text: String, path: String, configKey: String) throws(EngineError) {
        func failure(_ problem: String) -> EngineError { VendorConfig.error(configKey, "\(path): \(problem)") }
        let document: JSON
        do {
            document = try JSON.parse(text)
        } catch {
            throw failure("not JSON (\(error.message))")
        }
        guard document.objectValue != nil else { throw failure("expected a JSON object") }
        func field(_ name: String) throws(EngineError) -> String {
            guard let value = document[name] else { throw failure("missing \"\(name)\"") }
            guard let text = value.stringValue, !text.isEmpty else { throw failure("\"\(name)\" must be a non-empty string") }
            return text
        }
        let type = try field("type")
        guard type == "service_account" else {
            throw failure("\"type\" is \"\(type)\", expected \"service_account\" (create a key for a service account in the Firebase console)")
        }
        projectID = try field("project_id")
        privateKeyID = try field("private_key_id")
        let pem = try field("private_key")
        clientEmail = try field("client_email")
        tokenURI = try field("token_uri")
        guard tokenURI.hasPrefix("https://") || tokenURI.hasPrefix("http://") else {
            throw failure("\"token_uri\" is not an http or https URL")
        }
        do {
            key = try RSAPrivateKey(pem: pem)
        } catch {
            throw failure("\"private_key\": \(error.message)")
        }
    }
}
