import NudgeCore

/// Who the backend is to WNS: the package SID and client secret from the
/// Partner Center, and where to trade them for an access token.
struct WNSCredentials: Sendable {
    let packageSID: String
    let clientSecret: String
    let tokenEndpoint: String
    /// Describes the token endpoint in reasons.
    static let endpointName = "WNS token endpoint"

    /// Reads and checks the configured credentials; the secret comes inline
    /// or from `client_secret_file`.
    static func load(_ config: BackendConfig, warn: (String) -> Void) throws(EngineError) -> WNSCredentials {
        guard let sid = config.packageSID, !sid.isEmpty else {
            throw VendorConfig.error(config.configKey + ".package_sid", "required: the package SID (ms-app://…) from the Partner Center")
        }
        let secret: String
        switch (config.clientSecret, config.clientSecretFile) {
        case (let inline?, nil):
            secret = inline
        case (nil, let path?):
            let key = config.configKey + ".client_secret_file"
            // Editors and `echo` end the file with a newline that is no part of the secret.
            secret = String(try VendorConfig.read(path, key: key, warn: warn).trimmingTrailingWhitespace)
            guard !secret.isEmpty else { throw VendorConfig.error(key, "\(path) is empty") }
        case (_?, _?):
            throw VendorConfig.error(config.configKey + ".client_secret_file", "give client_secret or client_secret_file, not both")
        case (nil, nil):
            throw VendorConfig.error(config.configKey + ".client_secret", "required: the client secret (or client_secret_file)")
        }
        guard !secret.isEmpty else {
            throw VendorConfig.error(config.configKey + ".client_secret", "must not be empty")
        }
        guard config.tokenEndpoint.hasPrefix("https://") || config.tokenEndpoint.hasPrefix("http://") else {
            throw VendorConfig.error(config.configKey + ".token_endpoint", "expected an http or https URL, got \"\(config.tokenEndpoint)\"")
        }
        return WNSCredentials(packageSID: sid, clientSecret: secret, tokenEndpoint: config.tokenEndpoint)
    }

    /// The OAuth client-credentials request for an access token.
    var tokenRequest: HTTPRequest {
        let body = FormEncoding.body([("grant_type", "client_credentials"), ("client_id", packageSID),
                                      ("client_secret", clientSecret), ("scope", "notify.windows.com")])
        return HTTPRequest(url: tokenEndpoint, headers: [("content-type", "application/x-www-form-urlencoded")],
                           body: Array(body.utf8))
    }
}

private extension String {
    /// Without trailing spaces, tabs, CR and LF.
    var trimmingTrailingWhitespace: Substring {
        var end = endIndex
        while end > startIndex, let last = self[..<end].last, last == " " || last == "\t" || last == "\n" || last == "\r\n" || last == "\r" {
            end = index(before: end)
        }
        return self[..<end]
    }
}
