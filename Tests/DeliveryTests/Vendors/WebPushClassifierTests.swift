import Testing
@testable import NudgeDelivery
import NudgeCore

/// Push services' answers (RFC 8030) and transport failures, each to its outcome.
@Suite struct WebPushClassifierTests {
    let directory = VendorTestDirectory()
    let now: Millis = 1_700_000_000_000
    static let origin = "Web Push https://push.example.net"

    func classify(_ answer: Result<HTTPResponse, HTTPFailure>) throws -> DeliveryOutcome {
        let backend = try VendorTestJobs.make(VendorTestJobs.webPushConfig(directory)).backend
        let job = VendorTestJobs.job(vendor: "webpush", token: "https://push.example.net:443/wpush/v2/secret-id")
        return backend.classify(answer, job: job, now: now)
    }

    @Test(arguments: [200, 201, 202, 204])
    func successIsDelivered(status: Int) throws {
        #expect(try classify(vendorResponse(status, "", headers: [("location", "https://push.example.net/m/1")])) == .delivered)
    }

    @Test(arguments: [404, 410])
    func goneSubscriptions(status: Int) throws {
        let body = #"{"code":\#(status),"errno":106,"error":"Gone","message":"Request did not validate"}"#
        #expect(try classify(vendorResponse(status, body))
                == .tokenGone(vendorTimestamp: nil, reason: "\(Self.origin) \(status) Request did not validate"))
        #expect(try classify(vendorResponse(status, ""))
                == .tokenGone(vendorTimestamp: nil, reason: "\(Self.origin) \(status) (empty body)"))
    }

    @Test func tooLargeIsRejected() throws {
        #expect(try classify(vendorResponse(413, #"{"reason":"PayloadTooLarge"}"#))
                == .rejected(reason: "\(Self.origin) 413 PayloadTooLarge"))
    }

    @Test func throttlingAndOutagesAreRetried() throws {
        #expect(try classify(vendorResponse(429, "slow down", headers: [("retry-after", "120")]))
                == .retry(afterMs: 120_000, reason: "\(Self.origin) 429: slow down"))
        #expect(try classify(vendorResponse(500, ""))
                == .retry(afterMs: nil, reason: "\(Self.origin) 500 (empty body)"))
        #expect(try classify(vendorResponse(503, "<html>busy</html>", headers: [("Retry-After", "Tue, 14 Nov 2023 22:13:30 GMT")]))
                == .retry(afterMs: 10_000, reason: "\(Self.origin) 503: <html>busy</html>"))
        #expect(try classify(vendorResponse(502, "bad gateway"))
                == .retry(afterMs: nil, reason: "\(Self.origin) 502: bad gateway"))
    }

    @Test(arguments: [401, 403])
    func vapidRefusalsAreConfigErrors(status: Int) throws {
        #expect(try classify(vendorResponse(status, #"{"reason":"BadJwtToken"}"#))
                == .configError(reason: "\(Self.origin) \(status) BadJwtToken"))
        #expect(try classify(vendorResponse(status, "the key in the authorization header does not correspond to the sender ID"))
                == .configError(reason: "\(Self.origin) \(status): the key in the authorization header does not correspond to the sender ID"))
    }

    @Test func badRequestsAreRejectedUnlessAboutVAPID() throws {
        #expect(try classify(vendorResponse(400, #"{"errno":110,"message":"Invalid TTL header"}"#))
                == .rejected(reason: "\(Self.origin) 400 Invalid TTL header"))
        #expect(try classify(vendorResponse(400, ""))
                == .rejected(reason: "\(Self.origin) 400 (empty body)"))
        #expect(try classify(vendorResponse(400, #"{"message":"Invalid VAPID public key"}"#))
                == .configError(reason: "\(Self.origin) 400 Invalid VAPID public key"))
        #expect(try classify(vendorResponse(400, "invalid JWT provided"))
                == .configError(reason: "\(Self.origin) 400: invalid JWT provided"))
        #expect(try classify(vendorResponse(400, #"{"reason":"BadDeviceToken"}"#))
                == .tokenGone(vendorTimestamp: nil, reason: "\(Self.origin) 400 BadDeviceToken"))
    }

    @Test func otherClientErrorsAreRejected() throws {
        #expect(try classify(vendorResponse(405, "")) == .rejected(reason: "\(Self.origin) 405 (empty body)"))
        #expect(try classify(vendorResponse(418, "teapot")) == .rejected(reason: "\(Self.origin) 418: teapot"))
    }

    @Test(arguments: [301, 302, 307, 308])
    func redirectsAreNotFollowed(status: Int) throws {
        #expect(try classify(vendorResponse(status, "", headers: [("location", "http://10.0.0.1/")]))
                == .rejected(reason: "\(Self.origin) \(status) (empty body) (redirects are not followed)"))
    }

    @Test func answersNoServiceGives() throws {
        #expect(try classify(vendorResponse(100, "")) == .retry(afterMs: nil, reason: "\(Self.origin) 100 (empty body)"))
    }

    @Test(arguments: [HTTPFailure.Kind.connect, .tls, .timeout, .protocolError, .tooLarge, .cancelled, .other])
    func transportFailuresAreRetried(kind: HTTPFailure.Kind) throws {
        #expect(try classify(.failure(HTTPFailure(kind: kind, message: "Could not connect to server")))
                == .retry(afterMs: nil, reason: "Could not connect to server"))
    }

    @Test func refusedPrivateAddressMakesTheEndpointGone() throws {
        let message = "refusing to connect to 10.0.0.5: a private address (allow_private_addresses is off)"
        let failure = HTTPFailure(kind: .connect, message: message, refusedAddress: "10.0.0.5")
        #expect(try classify(.failure(failure)) == .tokenGone(vendorTimestamp: nil, reason: "endpoint not allowed: " + message))
    }
}
