import Testing
@testable import NudgeDelivery
import NudgeCore

/// A Web Push backend's configuration errors name the key to fix.
@Suite struct WebPushConfigTests {
    let directory = VendorTestDirectory()

    @Test func vapidKeyIsRequired() {
        var config = VendorTestJobs.webPushConfig(directory)
        config.vapidPrivateKeyFile = nil
        #expect(VendorTestJobs.makeError(config)?.message
                == "appserver.backends[2].vapid_private_key_file: required: the VAPID key (PEM, P-256) that signs pushes")
        config.vapidPrivateKeyFile = directory.path + "/none.pem"
        #expect(VendorTestJobs.makeError(config)?.message
                == "appserver.backends[2].vapid_private_key_file: cannot read \(directory.path)/none.pem: No such file or directory")
    }

    @Test func vapidKeyMustBeP256() throws {
        var config = VendorTestJobs.webPushConfig(directory)
        let path = directory.write("rsa.pem", VendorTestKeys.rsa2048PKCS8)
        config.vapidPrivateKeyFile = path
        let error = try #require(VendorTestJobs.makeError(config))
        #expect(error.code == .config)
        #expect(error.message.hasPrefix("appserver.backends[2].vapid_private_key_file: \(path): "))
        #expect(error.message.contains("RSA"))
    }

    @Test func readableKeyIsWarnedAbout() throws {
        var config = VendorTestJobs.webPushConfig(directory)
        let path = directory.write("vapid.pem", VendorTestKeys.p256PKCS8, mode: 0o644)
        config.vapidPrivateKeyFile = path
        #expect(try VendorTestJobs.make(config).warnings
                == ["appserver.backends[2].vapid_private_key_file: \(path) is readable by others (mode 0644); run chmod 600 \(path)"])
    }

    @Test func subjectIsRequiredAndAContact() {
        var config = VendorTestJobs.webPushConfig(directory)
        config.subject = nil
        #expect(VendorTestJobs.makeError(config)?.message
                == "appserver.backends[2].subject: required: a mailto: or https: contact for push services")
        for bad in ["push@example.com", "http://example.com", "MAILTO:x@example.com"] {
            config.subject = bad
            #expect(VendorTestJobs.makeError(config)?.message
                    == "appserver.backends[2].subject: must start with mailto: or https:, got \"\(bad)\"")
        }
        for good in ["mailto:push@example.com", "https://example.com/contact"] {
            config.subject = good
            #expect(VendorTestJobs.makeError(config) == nil)
        }
    }

    @Test func numbersAreChecked() {
        var config = VendorTestJobs.webPushConfig(directory)
        config.padTo = 0
        #expect(VendorTestJobs.makeError(config)?.message == "appserver.backends[2].pad_to: must be at least 1, got 0")
        config.padTo = 1
        config.ttlSeconds = -1
        #expect(VendorTestJobs.makeError(config)?.message == "appserver.backends[2].ttl_s: must not be negative, got -1")
        config.ttlSeconds = 0
        #expect(VendorTestJobs.makeError(config) == nil)
    }
}
