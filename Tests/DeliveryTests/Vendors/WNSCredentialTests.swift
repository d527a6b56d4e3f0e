import Testing
@testable import NudgeDelivery
import NudgeCore

/// WNS's OAuth client-credentials flow, and the refresh a 401 causes.
@Suite struct WNSCredentialTests {
    let t0: Millis = 1_700_000_000_000
    let minute: Millis = 60_000
    static let channel = "https://db5p.notify.windows.com/?token=AwYAAAB"

    func backend(_ config: BackendConfig = VendorTestJobs.wnsConfig()) throws -> any VendorBackend {
        try VendorTestJobs.make(config).backend
    }

    func job(seq: UInt64 = 1) -> DeliveryJob {
        VendorTestJobs.job(vendor: "wns", token: Self.channel, fields: VendorTestJobs.messageFields, seq: seq)
    }

    func granted(_ backend: any VendorBackend, _ token: String, at now: Millis, expiresIn: Int = 86_400) {
        let answer = vendorResponse(200, #"{"token_type":"bearer","access_token":"\#(token)","expires_in":\#(expiresIn)}"#)
        #expect(backend.credentialAnswer(answer, now: now) == nil)
    }

    func authorization(_ backend: any VendorBackend, _ job: DeliveryJob, at now: Millis) throws -> String? {
        try backend.request(for: job, now: now).get().vendorHeader("authorization")
    }

    @Test func tokenRequestIsAFormPost() throws {
        let request = try #require(try backend().credentialRequest(now: t0))
        #expect(request.method == "POST")
        #expect(request.url == "https://login.live.com/accesstoken.srf")
        #expect(request.headers.count == 1)
        #expect(request.vendorHeader("content-type") == "application/x-www-form-urlencoded")
        // The SID's ":" and "/" and the secret's "&", "=", "+", "/" and space are encoded.
        #expect(request.vendorBodyText
                == "grant_type=client_credentials&client_id=ms-app%3A%2F%2Fs-1-15-2-1234&client_secret=s3cr%26t%3D%2B%2F%20x&scope=notify.windows.com")
    }

    @Test func tokenEndpointCanBeConfigured() throws {
        var config = VendorTestJobs.wnsConfig()
        config.tokenEndpoint = "https://127.0.0.1:9443/accesstoken.srf"
        #expect(try backend(config).credentialRequest(now: t0)?.url == "https://127.0.0.1:9443/accesstoken.srf")
    }

    @Test func tokenIsFetchedOnlyWhenMissingOrExpiring() throws {
        let backend = try backend()
        #expect(backend.request(for: job(), now: t0).failure == .retry(afterMs: 0, reason: "no access token yet"))
        granted(backend, "EgAcAQMAAAAALYAAY", at: t0)
        #expect(backend.credentialRequest(now: t0) == nil)
        #expect(try authorization(backend, job(), at: t0) == "Bearer EgAcAQMAAAAALYAAY")
        let refreshAt = t0 + 86_400_000 - 5 * minute
        #expect(backend.credentialRequest(now: refreshAt - 1) == nil)
        #expect(backend.credentialRequest(now: refreshAt) != nil)
        #expect(try authorization(backend, job(), at: t0 + 86_400_000 - 1) == "Bearer EgAcAQMAAAAALYAAY")
        #expect(backend.request(for: job(), now: t0 + 86_400_000).failure == .retry(afterMs: 0, reason: "no access token yet"))
    }

    @Test func invalidClientIsAConfigError() throws {
        let body = #"{"error":"invalid_client","error_description":"Invalid client id"}"#
        #expect(try backend().credentialAnswer(vendorResponse(400, body), now: t0)
                == .configError(reason: "WNS token endpoint 400 invalid_client: Invalid client id"))
        #expect(try backend().credentialAnswer(vendorResponse(401, "<html/>"), now: t0)
                == .configError(reason: "WNS token endpoint 401: <html/>"))
    }

    @Test func tokenEndpointTroubleIsRetried() throws {
        #expect(try backend().credentialAnswer(vendorResponse(503, "", headers: [("retry-after", "30")]), now: t0)
                == .retry(afterMs: 30_000, reason: "WNS token endpoint 503 (empty body)"))
        #expect(try backend().credentialAnswer(vendorResponse(500, #"{"error":"server_error"}"#), now: t0)
                == .retry(afterMs: nil, reason: "WNS token endpoint 500 server_error"))
        #expect(try backend().credentialAnswer(.failure(HTTPFailure(kind: .tls, message: "SSL connect error")), now: t0)
                == .retry(afterMs: nil, reason: "SSL connect error"))
        let unusable = try backend().credentialAnswer(vendorResponse(200, #"{"access_token":""}"#), now: t0)
        #expect(unusable == .retry(afterMs: nil, reason: #"WNS token endpoint 200 without a usable access_token: {"access_token":""}"#))
    }

    @Test func unauthorizedDropsTheTokenOnce() throws {
        let backend = try backend()
        granted(backend, "first", at: t0)
        let a = job(seq: 1), b = job(seq: 2)
        #expect(try authorization(backend, a, at: t0) == "Bearer first")
        #expect(try authorization(backend, b, at: t0) == "Bearer first")
        let expired = HTTPResponse(status: 401, headers: [("x-wns-error-description", "Token expired")])
        #expect(backend.classify(.success(expired), job: a, now: t0 + minute)
                == .retry(afterMs: 0, reason: "WNS 401: Token expired"))
        #expect(backend.credentialRequest(now: t0 + minute) != nil)
        #expect(backend.request(for: a, now: t0 + minute).failure == .retry(afterMs: 0, reason: "no access token yet"))
        granted(backend, "second", at: t0 + minute)
        // The other request that carried the old token is answered 401 too:
        // the new token stays.
        #expect(backend.classify(.success(expired), job: b, now: t0 + minute)
                == .retry(afterMs: 0, reason: "WNS 401: Token expired"))
        #expect(backend.credentialRequest(now: t0 + minute) == nil)
        #expect(try authorization(backend, a, at: t0 + minute) == "Bearer second")
    }

    @Test func otherAnswersKeepTheToken() throws {
        let backend = try backend()
        granted(backend, "tok", at: t0)
        _ = try backend.request(for: job(), now: t0).get()
        #expect(backend.classify(vendorResponse(403), job: job(), now: t0) == .configError(reason: "WNS 403 (empty body)"))
        #expect(backend.credentialRequest(now: t0) == nil)
    }
}
