import Testing
@testable import NudgeDelivery
import NudgeCrypto
import NudgeCore
import NudgeXMPP

/// The provider token: what is signed, and when it is renewed.
@Suite struct APNsProviderTokenTests {
    let directory = VendorTestDirectory()
    let t0: Millis = 1_700_000_000_123
    let minute: Millis = 60_000

    func jwt(_ backend: any VendorBackend, at now: Millis) throws -> String {
        try jwt(backend, VendorTestJobs.job(), at: now)
    }

    func jwt(_ backend: any VendorBackend, _ job: DeliveryJob, at now: Millis) throws -> String {
        let r = try backend.request(for: job, now: now).get()
        let authorization = try #require(r.vendorHeader("authorization"))
        #expect(authorization.hasPrefix("bearer "))
        return String(authorization.dropFirst("bearer ".count))
    }

    @Test func tokenIsSignedWithTheTeamKey() throws {
        let backend = try VendorTestJobs.make(VendorTestJobs.apnsConfig(directory)).backend
        let token = try #require(VendorTestJWT(try jwt(backend, at: t0)))
        #expect(token.header == ["alg": "ES256", "kid": "ABC123DEFG"])
        #expect(token.claims == ["iss": "DEF123GHIJ", "iat": 1_700_000_000])
        #expect(token.signature.count == 64)   // raw r‖s, not DER
        let publicKey = try #require(Hex.decode(VendorTestKeys.p256PublicHex))
        #expect(try P256PublicKey.verifyES256(publicKey: publicKey, data: token.signingInput, signature: token.signature))
        var tampered = token.signingInput
        tampered[tampered.count - 1] ^= 1
        #expect(try !P256PublicKey.verifyES256(publicKey: publicKey, data: tampered, signature: token.signature))
    }

    @Test func tokenIsReusedFor50Minutes() throws {
        let backend = try VendorTestJobs.make(VendorTestJobs.apnsConfig(directory)).backend
        let first = try jwt(backend, at: t0)
        #expect(try jwt(backend, at: t0 + 1) == first)
        #expect(try jwt(backend, at: t0 + 50 * minute - 1) == first)
        let second = try jwt(backend, at: t0 + 50 * minute)
        #expect(second != first)
        #expect(VendorTestJWT(second)?.claims["iat"] == .number(Double((t0 + 50 * minute) / 1000)))
        #expect(try jwt(backend, at: t0 + 99 * minute) == second)
    }

    @Test func expiredProviderTokenForcesANewOne() throws {
        let backend = try VendorTestJobs.make(VendorTestJobs.apnsConfig(directory)).backend
        let first = try jwt(backend, at: t0)
        let expired = vendorResponse(403, #"{"reason":"ExpiredProviderToken"}"#)
        let outcome = backend.classify(expired, job: VendorTestJobs.job(), now: t0 + 2 * minute)
        guard case .retry(let after?, let reason) = outcome else { Issue.record("expected a retry, got \(outcome)"); return }
        #expect((0...1000).contains(after))
        #expect(reason == "APNs 403 ExpiredProviderToken")
        let second = try jwt(backend, at: t0 + 2 * minute + 1)
        #expect(second != first)
        #expect(VendorTestJWT(second)?.claims["iat"] == .number(Double((t0 + 2 * minute + 1) / 1000)))
        #expect(try jwt(backend, at: t0 + 3 * minute) == second)
    }

    @Test func aLateAnswerAboutAReplacedTokenKeepsTheNewOne() throws {
        // Requests made with the old token are answered after the renewal;
        // their ExpiredProviderToken is about the old token, not the new one.
        let backend = try VendorTestJobs.make(VendorTestJobs.apnsConfig(directory)).backend
        let expired = vendorResponse(403, #"{"reason":"ExpiredProviderToken"}"#)
        let a = VendorTestJobs.job(seq: 1), c = VendorTestJobs.job(seq: 3)
        let first = try jwt(backend, a, at: t0)
        #expect(try jwt(backend, c, at: t0) == first)
        _ = backend.classify(expired, job: a, now: t0 + 2 * minute)
        let second = try jwt(backend, VendorTestJobs.job(seq: 2), at: t0 + 2 * minute + 1)
        #expect(second != first)
        _ = backend.classify(expired, job: c, now: t0 + 2 * minute + 2)
        #expect(try jwt(backend, VendorTestJobs.job(seq: 4), at: t0 + 2 * minute + 3) == second)
    }

    @Test func theNewTokenRefusedAtOnceIsNotReplacedWithinAMinute() throws {
        // A wrong clock or a revoked key: a third token would not help and
        // would earn TooManyProviderTokenUpdates.
        let backend = try VendorTestJobs.make(VendorTestJobs.apnsConfig(directory)).backend
        let expired = vendorResponse(403, #"{"reason":"ExpiredProviderToken"}"#)
        let first = try jwt(backend, VendorTestJobs.job(seq: 1), at: t0)
        _ = backend.classify(expired, job: VendorTestJobs.job(seq: 1), now: t0 + 1000)
        let second = try jwt(backend, VendorTestJobs.job(seq: 2), at: t0 + 2000)
        #expect(second != first)
        _ = backend.classify(expired, job: VendorTestJobs.job(seq: 2), now: t0 + 3000)
        #expect(try jwt(backend, VendorTestJobs.job(seq: 5), at: t0 + 4000) == second)
        _ = backend.classify(expired, job: VendorTestJobs.job(seq: 5), now: t0 + 1000 + minute)
        #expect(try jwt(backend, VendorTestJobs.job(seq: 6), at: t0 + 2000 + minute) != second)
    }

    @Test func otherAnswersKeepTheToken() throws {
        let backend = try VendorTestJobs.make(VendorTestJobs.apnsConfig(directory)).backend
        let first = try jwt(backend, at: t0)
        for answer in [vendorResponse(403, #"{"reason":"InvalidProviderToken"}"#),
                       vendorResponse(429, #"{"reason":"TooManyProviderTokenUpdates"}"#), vendorResponse(200)] {
            _ = backend.classify(answer, job: VendorTestJobs.job(), now: t0 + 30 * minute)
        }
        #expect(try jwt(backend, at: t0 + 30 * minute) == first)
    }

    @Test func clockSetBackSignsAgain() throws {
        let backend = try VendorTestJobs.make(VendorTestJobs.apnsConfig(directory)).backend
        let first = try jwt(backend, at: t0)
        let earlier = try jwt(backend, at: t0 - 10 * minute)
        #expect(earlier != first)
        #expect(VendorTestJWT(earlier)?.claims["iat"] == .number(Double((t0 - 10 * minute) / 1000)))
    }

    @Test func concurrentRequestsShareOneToken() async throws {
        let backend = try VendorTestJobs.make(VendorTestJobs.apnsConfig(directory)).backend
        let now = t0
        let tokens = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    guard case .success(let r) = backend.request(for: VendorTestJobs.job(), now: now) else { return nil }
                    return r.headers.first { $0.name == "authorization" }?.value
                }
            }
            var all: Set<String?> = []
            for await token in group { all.insert(token) }
            return all
        }
        #expect(tokens.count == 1)
        #expect(tokens.first! != nil)
    }
}
