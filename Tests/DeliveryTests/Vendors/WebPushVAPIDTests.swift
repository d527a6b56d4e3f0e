import Testing
@testable import NudgeDelivery
import NudgeCrypto
import NudgeCore
import NudgeXMPP

/// The VAPID token (RFC 8292): what is signed, and when one is reused.
@Suite struct WebPushVAPIDTests {
    let directory = VendorTestDirectory()
    let t0: Millis = 1_700_000_000_123
    let hour: Millis = 3_600_000

    func vapid(_ backend: any VendorBackend, _ endpoint: String, at now: Millis) throws -> VAPIDHeader {
        let subscriber = try WebPushTestSubscriber()
        let r = try backend.request(for: subscriber.job(endpoint), now: now).get()
        return try #require(VAPIDHeader(r.vendorHeader("authorization")))
    }

    func backend() throws -> any VendorBackend {
        try VendorTestJobs.make(VendorTestJobs.webPushConfig(directory)).backend
    }

    @Test func tokenIsSignedForTheEndpointsOrigin() throws {
        let header = try vapid(backend(), "https://push.example.net/wpush/v2/abc?x=1", at: t0)
        let publicKey = try #require(Hex.decode(VendorTestKeys.p256PublicHex))
        #expect(header.key == Base64URL.encode(publicKey))
        let jwt = try #require(VendorTestJWT(header.token))
        #expect(jwt.header == ["typ": "JWT", "alg": "ES256"])
        #expect(jwt.claims == ["aud": "https://push.example.net", "exp": 1_700_043_200, "sub": "mailto:push@example.com"])
        #expect(try P256PublicKey.verifyES256(publicKey: publicKey, data: jwt.signingInput, signature: jwt.signature))
        var tampered = jwt.signingInput
        tampered[0] ^= 1
        #expect(try !P256PublicKey.verifyES256(publicKey: publicKey, data: tampered, signature: jwt.signature))
    }

    @Test func audienceIsTheOriginWithANonDefaultPortOnly() throws {
        let backend = try backend()
        func audience(_ endpoint: String) throws -> JSON? {
            VendorTestJWT(try vapid(backend, endpoint, at: t0).token)?.claims["aud"]
        }
        #expect(try audience("https://Push.Example.NET:443/a") == "https://push.example.net")
        #expect(try audience("https://push.example.net:8443/a") == "https://push.example.net:8443")
        #expect(try audience("https://[2001:db8::1]/a") == "https://[2001:db8::1]")
    }

    @Test func tokenIsReusedPerOriginForSixHours() throws {
        let backend = try backend()
        let first = try vapid(backend, "https://push.example.net/a", at: t0).token
        #expect(try vapid(backend, "https://push.example.net/b", at: t0 + 1).token == first)
        #expect(try vapid(backend, "https://push.example.net:443/c", at: t0 + 6 * hour - 1).token == first)
        let other = try vapid(backend, "https://fcm.googleapis.com/fcm/send/x", at: t0 + 2)
        #expect(other.token != first)
        #expect(VendorTestJWT(other.token)?.claims["aud"] == "https://fcm.googleapis.com")
        #expect(try vapid(backend, "https://push.example.net:8443/a", at: t0 + 3).token != first)
        let renewed = try vapid(backend, "https://push.example.net/a", at: t0 + 6 * hour).token
        #expect(renewed != first)
        #expect(VendorTestJWT(renewed)?.claims["exp"] == .number(Double((t0 + 18 * hour) / 1000)))
        #expect(try vapid(backend, "https://fcm.googleapis.com/fcm/send/y", at: t0 + 6 * hour - 1).token == other.token)
    }

    @Test func clockSetBackSignsANewToken() throws {
        let backend = try backend()
        let first = try vapid(backend, "https://push.example.net/a", at: t0)
        let earlier = try vapid(backend, "https://push.example.net/a", at: t0 - 60_000)
        #expect(earlier.token != first.token)
        #expect(VendorTestJWT(earlier.token)?.claims["exp"] == .number(Double((t0 - 60_000 + 12 * hour) / 1000)))
    }

    @Test func cacheIsBoundedButKeepsWorking() throws {
        let key = try P256PrivateKey(pem: VendorTestKeys.p256PKCS8)
        let vapid = WebPushVAPID(key: key, subject: "mailto:a@example.com")
        for i in 0..<(WebPushVAPID.maximumOrigins + 5) {
            _ = try vapid.token(origin: "https://h\(i).example", now: t0)
        }
        let token = try vapid.token(origin: "https://h0.example", now: t0 + 1)
        #expect(VendorTestJWT(token)?.claims["aud"] == "https://h0.example")
        #expect(try vapid.token(origin: "https://h0.example", now: t0 + 2) == token)
    }
}
