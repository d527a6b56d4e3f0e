import Testing
import NudgeCrypto

@Suite struct JWTTests {
    let header = #"{"alg":"ES256","kid":"ABC123DEFG"}"#
    let claims = #"{"iss":"DEF123GHIJ","iat":1700000000}"#
    let signingInput = "eyJhbGciOiJFUzI1NiIsImtpZCI6IkFCQzEyM0RFRkcifQ.eyJpc3MiOiJERUYxMjNHSElKIiwiaWF0IjoxNzAwMDAwMDAwfQ"

    /// Expected value computed with Python's base64.urlsafe_b64encode.
    @Test func compactSerializationWithFixedSigner() throws {
        var seen: [UInt8] = []
        let token = try JWT.sign(headerJSON: header, claimsJSON: claims) { (input) throws(CryptoError) -> [UInt8] in
            seen = input
            return [0xfb, 0xff, 0x01]
        }
        #expect(String(decoding: seen, as: UTF8.self) == signingInput)
        #expect(token == signingInput + ".-_8B")
    }

    @Test func signerErrorPropagates() {
        let error = cryptoError {
            try JWT.sign(headerJSON: header, claimsJSON: claims) { (_) throws(CryptoError) -> [UInt8] in
                throw CryptoError("signer down")
            }
        }
        #expect(error == CryptoError("signer down"))
    }

    /// An APNs-style token signed with a real key verifies over its first two parts.
    @Test func es256TokenVerifies() throws {
        let key = try P256PrivateKey(pem: TestKeys.p256PKCS8)
        let token = try JWT.sign(headerJSON: header, claimsJSON: claims, signer: key.signES256)
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        #expect(parts.count == 3)
        #expect(parts[0] + "." + parts[1] == signingInput)
        let signature = try #require(Base64URL.decode(String(parts[2])))
        #expect(try P256PublicKey.verifyES256(publicKey: key.publicKey, data: Array(signingInput.utf8), signature: signature))
    }
}
