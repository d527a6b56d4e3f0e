import NudgeCrypto
import NudgeCore

/// How an APNs backend proves who it is, loaded at start-up.
enum APNsAuth: Sendable {
    /// Token auth: a JWT per connection, signed with the .p8 key.
    case token(APNsProviderToken)
    /// Certificate auth: the provider certificate is the TLS client certificate.
    case certificate(certFile: String, keyFile: String)

    /// Reads and checks the configured credentials, so that a wrong path or
    /// key shows at nudge_open rather than at the first push.
    static func load(_ config: BackendConfig, warn: (String) -> Void) throws(EngineError) -> APNsAuth {
        switch config.apnsAuth {
        case .token(let keyFile, let keyID, let teamID)?:
            let key = config.configKey + ".key_file"
            let pem = try VendorConfig.read(keyFile, key: key, warn: warn)
            let signer = try VendorConfig.parse(keyFile, key: key) { () throws(CryptoError) in try P256PrivateKey(pem: pem) }
            return .token(APNsProviderToken(key: signer, keyID: keyID, teamID: teamID))
        case .certificate(let certFile, let keyFile)?:
            try checkCertificate(certFile, keyFile: keyFile, configKey: config.configKey, warn: warn)
            return .certificate(certFile: certFile, keyFile: keyFile)
        case nil:
            throw VendorConfig.error(config.configKey + ".key_file", "required: a .p8 key for token auth (or cert_file for certificate auth)")
        }
    }

    /// The certificate file must hold a certificate and the key file a
    /// private key (RSA, as Apple issues them, or P-256); they may be one file.
    private static func checkCertificate(_ certFile: String, keyFile: String, configKey: String,
                                         warn: (String) -> Void) throws(EngineError) {
        let certKey = configKey + ".cert_file"
        let combined = certFile == keyFile
        let keyKey = combined ? certKey : configKey + ".cert_key_file"
        // A combined file holds the private key, so its permissions matter.
        let certificate = try VendorConfig.read(certFile, key: certKey, warn: combined ? warn : { _ in })
        guard certificate.contains("-----BEGIN CERTIFICATE-----") else {
            throw VendorConfig.error(certKey, "\(certFile): no PEM certificate found (expected -----BEGIN CERTIFICATE-----)")
        }
        let pem = privateKeyBlock(combined ? certificate : try VendorConfig.read(keyFile, key: keyKey, warn: warn))
        do {
            _ = try RSAPrivateKey(pem: pem)
        } catch let rsaError {
            do {
                _ = try P256PrivateKey(pem: pem)
            } catch {
                throw VendorConfig.error(keyKey, "\(keyFile): \(rsaError.message)")
            }
        }
    }

    /// The first `-----BEGIN … PRIVATE KEY-----` block of a file that may
    /// also hold certificates (OpenSSL's PEM reader stops at a certificate
    /// that comes first); the whole text when there is none, so the parser
    /// explains what it found instead.
    static func privateKeyBlock(_ text: String) -> String {
        var rest = text[...]
        while let begin = rest.firstRange(of: "-----BEGIN ") {
            guard let labelEnd = text[begin.upperBound...].firstRange(of: "-----") else { break }
            let label = text[begin.upperBound..<labelEnd.lowerBound]
            if label.hasSuffix("PRIVATE KEY") {
                guard let end = text[labelEnd.upperBound...].firstRange(of: "-----END " + label + "-----") else { break }
                return String(text[begin.lowerBound..<end.upperBound]) + "\n"
            }
            rest = text[labelEnd.upperBound...]
        }
        return text
    }
}
