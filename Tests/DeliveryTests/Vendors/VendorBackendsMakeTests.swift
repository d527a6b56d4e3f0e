import Testing
@testable import NudgeDelivery
import NudgeCore
import NudgeXMPP

/// Configuration errors surface at make(), naming the key an operator must fix.
@Suite struct VendorBackendsMakeTests {
    let directory = VendorTestDirectory()

    @Test func makesEachVendor() throws {
        #expect(try VendorTestJobs.make(VendorTestJobs.apnsConfig(directory)).backend is APNsBackend)
        #expect(try VendorTestJobs.make(VendorTestJobs.fcmConfig(directory)).backend is FCMBackend)
        #expect(try VendorTestJobs.make(VendorTestJobs.webPushConfig(directory)).backend is WebPushBackend)
        #expect(try VendorTestJobs.make(VendorTestJobs.wnsConfig()).backend is WNSBackend)
        #expect(try VendorTestJobs.make(VendorTestJobs.ubportsConfig()).backend is UBportsBackend)
    }

    @Test func unreadableKeyFile() throws {
        var config = VendorTestJobs.apnsConfig(directory)
        config.apnsAuth = .token(keyFile: directory.path + "/missing.p8", keyID: "K", teamID: "T")
        let error = try #require(VendorTestJobs.makeError(config))
        #expect(error.code == .config)
        #expect(error.message == "appserver.backends[0].key_file: cannot read \(directory.path)/missing.p8: No such file or directory")
    }

    @Test func wrongKeyTypeInP8() throws {
        var config = VendorTestJobs.apnsConfig(directory)
        let path = directory.write("rsa.p8", VendorTestKeys.rsa2048PKCS8)
        config.apnsAuth = .token(keyFile: path, keyID: "K", teamID: "T")
        let error = try #require(VendorTestJobs.makeError(config))
        #expect(error.code == .config)
        #expect(error.message.hasPrefix("appserver.backends[0].key_file: \(path): "))
        #expect(error.message.contains("RSA"))
    }

    @Test func notAKeyAtAll() throws {
        var config = VendorTestJobs.apnsConfig(directory)
        let path = directory.write("cert.p8", VendorTestKeys.certificatePEM)
        config.apnsAuth = .token(keyFile: path, keyID: "K", teamID: "T")
        #expect(VendorTestJobs.makeError(config)?.message
                == "appserver.backends[0].key_file: \(path): PEM: no private key found (the file holds a public key or certificate)")
    }

    @Test func readableKeyFileIsWarnedAbout() throws {
        var config = VendorTestJobs.apnsConfig(directory)
        let path = directory.write("AuthKey.p8", VendorTestKeys.p256PKCS8, mode: 0o644)
        config.apnsAuth = .token(keyFile: path, keyID: "K", teamID: "T")
        let (_, warnings) = try VendorTestJobs.make(config)
        #expect(warnings == ["appserver.backends[0].key_file: \(path) is readable by others (mode 0644); run chmod 600 \(path)"])
        #expect(try VendorTestJobs.make(VendorTestJobs.apnsConfig(directory)).warnings.isEmpty)
    }

    @Test func readableServiceAccountIsWarnedAbout() throws {
        var config = VendorTestJobs.fcmConfig(directory)
        let path = directory.serviceAccount(mode: 0o640)
        config.serviceAccountFile = path
        let (_, warnings) = try VendorTestJobs.make(config)
        #expect(warnings == ["appserver.backends[1].service_account_file: \(path) is readable by others (mode 0640); run chmod 600 \(path)"])
    }

    @Test func apnsConfigurationIsChecked() throws {
        var noTopic = VendorTestJobs.apnsConfig(directory)
        noTopic.topic = nil
        #expect(VendorTestJobs.makeError(noTopic)?.message == "appserver.backends[0].topic: required: the app's bundle id")
        var badType = VendorTestJobs.apnsConfig(directory)
        badType.pushType = "location"
        #expect(VendorTestJobs.makeError(badType)?.message
                == "appserver.backends[0].push_type: expected alert, background or voip, got \"location\"")
        var noAuth = VendorTestJobs.apnsConfig(directory)
        noAuth.apnsAuth = nil
        #expect(VendorTestJobs.makeError(noAuth)?.message.hasPrefix("appserver.backends[0].key_file: required") == true)
    }

    @Test func certificateFilesAreChecked() throws {
        var config = VendorTestJobs.apnsConfig(directory)
        let key = directory.write("push.key", VendorTestKeys.p256PKCS8)
        let notCert = directory.write("push.pem", "hello")
        config.apnsAuth = .certificate(certFile: notCert, keyFile: key)
        #expect(VendorTestJobs.makeError(config)?.message
                == "appserver.backends[0].cert_file: \(notCert): no PEM certificate found (expected -----BEGIN CERTIFICATE-----)")
        let cert = directory.write("push.pem", VendorTestKeys.certificatePEM)
        let notKey = directory.write("push.key", VendorTestKeys.certificatePEM)
        config.apnsAuth = .certificate(certFile: cert, keyFile: notKey)
        #expect(VendorTestJobs.makeError(config)?.message
                == "appserver.backends[0].cert_key_file: \(notKey): PEM: no private key found (the file holds a public key or certificate)")
        config.apnsAuth = .certificate(certFile: cert, keyFile: cert)
        #expect(VendorTestJobs.makeError(config)?.message.hasPrefix("appserver.backends[0].cert_file: \(cert): PEM: no private key found") == true)
        config.apnsAuth = .certificate(certFile: directory.path + "/none.pem", keyFile: key)
        #expect(VendorTestJobs.makeError(config)?.message.hasPrefix("appserver.backends[0].cert_file: cannot read") == true)
        let rsaKey = directory.write("push.key", VendorTestKeys.rsa2048PKCS8, mode: 0o604)
        config.apnsAuth = .certificate(certFile: cert, keyFile: rsaKey)
        let (_, warnings) = try VendorTestJobs.make(config)
        #expect(warnings == ["appserver.backends[0].cert_key_file: \(rsaKey) is readable by others (mode 0604); run chmod 600 \(rsaKey)"])
    }

    @Test(arguments: ["type", "project_id", "private_key_id", "private_key", "client_email", "token_uri"])
    func missingServiceAccountField(field: String) throws {
        var config = VendorTestJobs.fcmConfig(directory)
        config.serviceAccountFile = directory.serviceAccount { $0[field] = nil }
        #expect(VendorTestJobs.makeError(config)?.message
                == "appserver.backends[1].service_account_file: \(config.serviceAccountFile!): missing \"\(field)\"")
    }

    @Test func serviceAccountContentIsChecked() throws {
        var config = VendorTestJobs.fcmConfig(directory)
        let key = "appserver.backends[1].service_account_file"
        func error(_ change: (inout JSONObject) -> Void) -> String? {
            config.serviceAccountFile = directory.serviceAccount(change)
            return VendorTestJobs.makeError(config)?.message
        }
        let path = directory.path + "/service-account.json"
        #expect(error { $0["type"] = "authorized_user" }
                == "\(key): \(path): \"type\" is \"authorized_user\", expected \"service_account\" (create a key for a service account in the Firebase console)")
        #expect(error { $0["project_id"] = 42 } == "\(key): \(path): \"project_id\" must be a non-empty string")
        #expect(error { $0["client_email"] = "" } == "\(key): \(path): \"client_email\" must be a non-empty string")
        #expect(error { $0["token_uri"] = "oauth2.googleapis.com/token" } == "\(key): \(path): \"token_uri\" is not an http or https URL")
        #expect(error { $0["private_key"] = .string(VendorTestKeys.p256PKCS8) } == "\(key): \(path): \"private_key\": not an RSA private key (found EC)")
        #expect(error { $0["private_key"] = "garbage" }?.hasPrefix("\(key): \(path): \"private_key\": PEM: no PEM block found") == true)
        directory.write("service-account.json", "{\"type\": ")
        #expect(VendorTestJobs.makeError(config)?.message.hasPrefix("\(key): \(path): not JSON (") == true)
        directory.write("service-account.json", "[1]")
        #expect(VendorTestJobs.makeError(config)?.message == "\(key): \(path): expected a JSON object")
    }

    @Test func serviceAccountFileIsRequired() throws {
        var config = VendorTestJobs.fcmConfig(directory)
        config.serviceAccountFile = nil
        #expect(VendorTestJobs.makeError(config)?.message
                == "appserver.backends[1].service_account_file: required: the service-account JSON from the Firebase console")
        config.serviceAccountFile = directory.path + "/nope.json"
        #expect(VendorTestJobs.makeError(config)?.message
                == "appserver.backends[1].service_account_file: cannot read \(directory.path)/nope.json: No such file or directory")
    }
}
