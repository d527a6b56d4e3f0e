import Testing
import NudgeCrypto

/// RFC 8291 Appendix A, reproduced byte for byte.
@Suite struct RFC8291VectorTests {
    let plaintext = Array("When I grow up, I want to be a watermelon".utf8)
    let authSecret = b64u("BTBZMqHH6r4Tts7J_aSIgg")
    let salt = b64u("DGv6ra1nlYgDCS1FRnbzlw")
    let uaPrivate = b64u("q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94")
    let uaPublic = b64u("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4")
    let asPrivate = b64u("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw")
    let asPublic = b64u("BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8")
    let body = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"

    @Test func rawKeysGiveTheListedPublicKeys() throws {
        #expect(try P256PrivateKey(raw: uaPrivate).publicKey == uaPublic)
        #expect(try P256PrivateKey(raw: asPrivate).publicKey == asPublic)
    }

    @Test func intermediateValues() throws {
        let ecdhSecret = try P256PrivateKey(raw: asPrivate).sharedSecret(with: uaPublic)
        #expect(Base64URL.encode(ecdhSecret) == "kyrL1jIIOHEzg3sM2ZWRHDRB62YACZhhSlknJ672kSs")
        // The receiver computes the same secret from its side.
        #expect(try P256PrivateKey(raw: uaPrivate).sharedSecret(with: asPublic) == ecdhSecret)

        let keys = WebPushEncryption.derive(ecdhSecret: ecdhSecret, authSecret: authSecret,
                                            uaPublicKey: uaPublic, senderPublicKey: asPublic, salt: salt)
        #expect(Base64URL.encode(keys.prkKey) == "Snr3JMxaHVDXHWJn5wdC52WjpCtd2EIEGBykDcZW32k")
        #expect(Base64URL.encode(keys.ikm) == "S4lYMb_L0FxCeq0WhDx813KgSYqU26kOyzWUdsXYyrg")
        #expect(Base64URL.encode(keys.prk) == "09_eUZGrsvxChDCGRCdkLiDXrReGOEVeSCdCcPBSJSc")
        #expect(Base64URL.encode(keys.cek) == "oIhVW04MRdy2XN9CiKLxTg")
        #expect(Base64URL.encode(keys.nonce) == "4h_95klXJ5E_qnoN")
    }

    @Test func encryptReproducesTheBody() throws {
        let encrypted = try WebPushEncryption.encrypt(
            plaintext: plaintext, uaPublicKey: uaPublic, authSecret: authSecret, recordSize: 4096,
            senderKey: P256PrivateKey(raw: asPrivate), salt: salt)
        #expect(Base64URL.encode(encrypted) == body)
    }

    @Test func decryptRecoversThePlaintext() throws {
        let decrypted = try WebPushEncryption.decrypt(body: b64u(body), uaPrivateKey: P256PrivateKey(raw: uaPrivate),
                                                      authSecret: authSecret)
        #expect(decrypted == plaintext)
    }

    @Test func wrongAuthSecretFails() throws {
        var wrong = authSecret
        wrong[0] ^= 1
        let error = cryptoError {
            try WebPushEncryption.decrypt(body: b64u(body), uaPrivateKey: P256PrivateKey(raw: uaPrivate), authSecret: wrong)
        }
        #expect(error == CryptoError("AES-128-GCM: authentication failed (wrong key or corrupted data)"))
    }
}
