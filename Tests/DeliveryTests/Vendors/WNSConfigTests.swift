import Testing
@testable import NudgeDelivery
import NudgeCore

/// A WNS backend's configuration errors name the key to fix.
@Suite struct WNSConfigTests {
    let directory = VendorTestDirectory()

    @Test func packageSIDIsRequired() {
        var config = VendorTestJobs.wnsConfig()
        config.packageSID = nil
        #expect(VendorTestJobs.makeError(config)?.message
                == "appserver.backends[3].package_sid: required: the package SID (ms-app://…) from the Partner Center")
    }

    @Test func secretIsRequiredOnce() {
        var config = VendorTestJobs.wnsConfig()
        config.clientSecret = nil
        #expect(VendorTestJobs.makeError(config)?.message
                == "appserver.backends[3].client_secret: required: the client secret (or client_secret_file)")
        config.clientSecret = "x"
        config.clientSecretFile = directory.write("secret", "y")
        #expect(VendorTestJobs.makeError(config)?.message
                == "appserver.backends[3].client_secret_file: give client_secret or client_secret_file, not both")
        config.clientSecret = ""
        config.clientSecretFile = nil
        #expect(VendorTestJobs.makeError(config)?.message == "appserver.backends[3].client_secret: must not be empty")
    }

    @Test func secretFileIsReadWithoutItsNewline() throws {
        var config = VendorTestJobs.wnsConfig()
        config.clientSecret = nil
        config.clientSecretFile = directory.write("secret", "from-file\r\n")
        let backend = try #require(try VendorTestJobs.make(config).backend as? WNSBackend)
        #expect(backend.credentials.clientSecret == "from-file")
    }

    @Test func secretFileProblems() throws {
        var config = VendorTestJobs.wnsConfig()
        config.clientSecret = nil
        config.clientSecretFile = directory.path + "/missing"
        #expect(VendorTestJobs.makeError(config)?.message
                == "appserver.backends[3].client_secret_file: cannot read \(directory.path)/missing: No such file or directory")
        let empty = directory.write("empty", "\n")
        config.clientSecretFile = empty
        #expect(VendorTestJobs.makeError(config)?.message == "appserver.backends[3].client_secret_file: \(empty) is empty")
        let open = directory.write("open", "secret", mode: 0o644)
        config.clientSecretFile = open
        #expect(try VendorTestJobs.make(config).warnings
                == ["appserver.backends[3].client_secret_file: \(open) is readable by others (mode 0644); run chmod 600 \(open)"])
    }

    @Test func typeTTLAndTokenEndpointAreChecked() {
        var config = VendorTestJobs.wnsConfig(type: "tile")
        #expect(VendorTestJobs.makeError(config)?.message == "appserver.backends[3].wns_type: expected raw or toast, got \"tile\"")
        config = VendorTestJobs.wnsConfig()
        config.ttlSeconds = 0
        #expect(VendorTestJobs.makeError(config)?.message == "appserver.backends[3].ttl_s: must be at least 1, got 0")
        config = VendorTestJobs.wnsConfig()
        config.tokenEndpoint = "login.live.com/accesstoken.srf"
        #expect(VendorTestJobs.makeError(config)?.message
                == "appserver.backends[3].token_endpoint: expected an http or https URL, got \"login.live.com/accesstoken.srf\"")
    }
}
