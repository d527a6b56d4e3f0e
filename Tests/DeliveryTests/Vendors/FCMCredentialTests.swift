import Testing
@testable import NudgeDelivery
import NudgeCrypto
import NudgeCore
import NudgeXMPP

/// The OAuth side of FCM: the assertion, the token answer, and when a new token is fetched.
@Suite struct FCMCredentialTests {
    let directory = VendorTestDirectory()
    let t0: Millis = 1_700_000_000_000
    let minute: Millis = 60_000

    func backend() throws -> any VendorBackend { try VendorTestJobs.make(VendorTestJobs.fcmConfig(directory)).backend }

    func granted(_ backend: any VendorBackend, at now: Millis, expiresIn: Int = 3599) {
        let answer = vendorResponse(200, #"{"access_token":"ya29.token-\#(now)","expires_in":\#(expiresIn),"token_type":"Bearer"}"#)
        #expect(backend.credentialAnswer(answer, now: now) == nil)
    }

    @Test func tokenRequestCarriesTheSignedAssertion() throws {
        let request = try #require(try backend().credentialRequest(now: t0))
        #expect(request.method == "POST")
        #expect(request.url == "https://oauth2.googleapis.com/token")
        #expect(request.headers.count == 1)
        #expect(request.vendorHeader("content-type") == "application/x-www-form-urlencoded")
        let prefix = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion="
        #expect(request.vendorBodyText.hasPrefix(prefix))
        let assertion = String(request.vendorBodyText.dropFirst(prefix.count))
        // RS256 is deterministic: Python's signature over the same input must match byte for byte.
        #expect(assertion == VendorTestKeys.fcmAssertionAt1700000000)
        let jwt = try #require(VendorTestJWT(assertion))
        #expect(jwt.header == ["typ": "JWT", "alg": "RS256", "kid": .string(VendorTestKeys.privateKeyID)])
        #expect(jwt.claims == [
            "iss": .string(VendorTestKeys.clientEmail), "aud": "https://oauth2.googleapis.com/token",
            "scope": "https://www.googleapis.com/auth/firebase.messaging", "iat": 1_700_000_000, "exp": 1_700_003_600,
        ])
        #expect(try RSAPrivateKey(pem: VendorTestKeys.rsa2048PKCS8).signRS256(jwt.signingInput) == jwt.signature)
    }

    @Test func assertionFollowsTheClockAndTheAccount() throws {
        var config = VendorTestJobs.fcmConfig(directory)
        config.serviceAccountFile = directory.serviceAccount { $0["token_uri"] = "https://127.0.0.1:9443/token" }
        let backend = try VendorTestJobs.make(config).backend
        let request = try #require(backend.credentialRequest(now: t0 + 1_999))
        #expect(request.url == "https://127.0.0.1:9443/token")
        let assertion = try #require(request.vendorBodyText.split(separator: "=").last.map(String.init))
        let jwt = try #require(VendorTestJWT(assertion))
        #expect(jwt.claims["aud"] == "https://127.0.0.1:9443/token")
        #expect(jwt.claims["iat"] == 1_700_000_001)
        #expect(jwt.claims["exp"] == 1_700_003_601)
    }

    @Test func tokenIsFetchedOnlyWhenMissingOrExpiring() throws {
        let backend = try backend()
        #expect(backend.credentialRequest(now: t0) != nil)
        granted(backend, at: t0)
        #expect(backend.credentialRequest(now: t0) == nil)
        // 3599 s lifetime: due 5 minutes before it ends.
        let refreshAt = t0 + 3_599_000 - 5 * minute
        #expect(backend.credentialRequest(now: refreshAt - 1) == nil)
        #expect(backend.credentialRequest(now: refreshAt) != nil)
        // Still usable for pushes until it really expires.
        #expect(backend.request(for: VendorTestJobs.job(vendor: "fcm", token: VendorTestJobs.fcmToken), now: t0 + 3_599_000 - 1).failure == nil)
        #expect(backend.request(for: VendorTestJobs.job(vendor: "fcm", token: VendorTestJobs.fcmToken), now: t0 + 3_599_000).failure
                == .retry(afterMs: 0, reason: "no access token yet"))
        granted(backend, at: refreshAt)
        #expect(backend.credentialRequest(now: refreshAt + 1) == nil)
    }

    @Test func shortLivedTokenIsRefreshedHalfway() throws {
        let backend = try backend()
        granted(backend, at: t0, expiresIn: 120)
        #expect(backend.credentialRequest(now: t0 + 59_999) == nil)
        #expect(backend.credentialRequest(now: t0 + 60_000) != nil)
    }

    @Test func noTokenYetMeansRetryAtOnce() throws {
        let outcome = try backend().request(for: VendorTestJobs.job(vendor: "fcm", token: VendorTestJobs.fcmToken), now: t0).failure
        #expect(outcome == .retry(afterMs: 0, reason: "no access token yet"))
    }

    @Test func invalidGrantIsAConfigError() throws {
        let body = #"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#
        #expect(try backend().credentialAnswer(vendorResponse(400, body), now: t0)
                == .configError(reason: "Google token endpoint 400 invalid_grant: Invalid JWT Signature."))
        #expect(try backend().credentialAnswer(vendorResponse(401, #"{"error":"invalid_client"}"#), now: t0)
                == .configError(reason: "Google token endpoint 401 invalid_client"))
        #expect(try backend().credentialAnswer(vendorResponse(404, "<html>Not Found</html>"), now: t0)
                == .configError(reason: "Google token endpoint 404: <html>Not Found</html>"))
    }

    @Test func serverTroubleIsRetried() throws {
        #expect(try backend().credentialAnswer(vendorResponse(500, #"{"error":"internal_failure"}"#), now: t0)
                == .retry(afterMs: nil, reason: "Google token endpoint 500 internal_failure"))
        #expect(try backend().credentialAnswer(vendorResponse(503, "busy", headers: [("retry-after", "7")]), now: t0)
                == .retry(afterMs: 7_000, reason: "Google token endpoint 503: busy"))
        #expect(try backend().credentialAnswer(vendorResponse(429, #"{"error":"rate_limit_exceeded"}"#), now: t0)
                == .retry(afterMs: nil, reason: "Google token endpoint 429 rate_limit_exceeded"))
        #expect(try backend().credentialAnswer(vendorResponse(302, ""), now: t0)
                == .retry(afterMs: nil, reason: "Google token endpoint 302 (empty body)"))
        #expect(try backend().credentialAnswer(.failure(HTTPFailure(kind: .timeout, message: "Operation timed out")), now: t0)
                == .retry(afterMs: nil, reason: "Operation timed out"))
    }

    @Test(arguments: ["<html/>", "{}", #"{"access_token":"","expires_in":3600}"#, #"{"access_token":"x"}"#,
                      #"{"access_token":"x","expires_in":0}"#, #"{"access_token":7,"expires_in":3600}"#])
    func unusableGrantIsRetried(body: String) throws {
        let backend = try backend()
        let outcome = backend.credentialAnswer(vendorResponse(200, body), now: t0)
        guard case .retry(nil, let reason)? = outcome else { Issue.record("unexpected \(String(describing: outcome))"); return }
        #expect(reason.hasPrefix("Google token endpoint 200 without a usable access_token"))
        #expect(backend.credentialRequest(now: t0) != nil)
    }

    @Test func unauthenticatedDropsTheToken() throws {
        let backend = try backend()
        granted(backend, at: t0)
        let job = VendorTestJobs.job(vendor: "fcm", token: VendorTestJobs.fcmToken)
        let body = #"{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}"#
        #expect(backend.classify(vendorResponse(401, body), job: job, now: t0 + minute)
                == .retry(afterMs: 0, reason: "FCM 401 UNAUTHENTICATED: Request had invalid authentication credentials."))
        #expect(backend.credentialRequest(now: t0 + minute) != nil)
        #expect(backend.request(for: job, now: t0 + minute).failure == .retry(afterMs: 0, reason: "no access token yet"))
        granted(backend, at: t0 + 2 * minute)
        let request = try backend.request(for: job, now: t0 + 2 * minute).get()
        #expect(request.vendorHeader("authorization") == "Bearer ya29.token-\(t0 + 2 * minute)")
    }

    @Test func otherErrorsKeepTheToken() throws {
        let backend = try backend()
        granted(backend, at: t0)
        let job = VendorTestJobs.job(vendor: "fcm", token: VendorTestJobs.fcmToken)
        let body = #"{"error":{"code":401,"status":"UNAUTHENTICATED","details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"THIRD_PARTY_AUTH_ERROR"}]}}"#
        #expect(backend.classify(vendorResponse(401, body), job: job, now: t0) == .configError(reason: "FCM 401 THIRD_PARTY_AUTH_ERROR"))
        #expect(backend.credentialRequest(now: t0) == nil)
    }
}
