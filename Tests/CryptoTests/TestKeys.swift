/// Fixed keys made once with Python's `cryptography` package, so tests can
/// compare against values computed independently of OpenSSL's Swift wrapper.
enum TestKeys {
    /// A P-256 key as PKCS#8, the form of Apple's .p8 files.
    static let p256PKCS8 = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgsbKyruhkbnwfP9TP
        YRqLpCIOgzK+OBgvFCRcU9ZDMEyhRANCAATwtQrOHW9P76O12BBoR/uTAeAloNDQ
        YunbHEjIn6upEU0jGDw7r9Z5y4Uykm1Aio4WFFrFTpe4yLhoBfGCHNan
        -----END PRIVATE KEY-----
        """

    /// The same key as SEC1 (`openssl ecparam -genkey` output).
    static let p256SEC1 = """
        -----BEGIN EC PRIVATE KEY-----
        MHcCAQEEILGysq7oZG58Hz/Uz2Eai6QiDoMyvjgYLxQkXFPWQzBMoAoGCCqGSM49
        AwEHoUQDQgAE8LUKzh1vT++jtdgQaEf7kwHgJaDQ0GLp2xxIyJ+rqRFNIxg8O6/W
        ecuFMpJtQIqOFhRaxU6XuMi4aAXxghzWpw==
        -----END EC PRIVATE KEY-----
        """

    /// The same key as SEC1 with its public point stored compressed
    /// (`openssl ec -conv_form compressed`).
    static let p256SEC1Compressed = """
        -----BEGIN EC PRIVATE KEY-----
        MFcCAQEEILGysq7oZG58Hz/Uz2Eai6QiDoMyvjgYLxQkXFPWQzBMoAoGCCqGSM49
        AwEHoSQDIgAD8LUKzh1vT++jtdgQaEf7kwHgJaDQ0GLp2xxIyJ+rqRE=
        -----END EC PRIVATE KEY-----
        """

    /// The key's private scalar and uncompressed public point, as Python reported them.
    static let p256Scalar = "b1b2b2aee8646e7c1f3fd4cf611a8ba4220e8332be38182f14245c53d643304c"
    static let p256Public = "04f0b50ace1d6f4fefa3b5d8106847fb9301e025a0d0d062e9db1c48c89faba9114d23183c3bafd679cb8532926d408a8e16145ac54e97b8c8b86805f1821cd6a7"

    /// Python's ES256 signature (raw r‖s) of `es256Message` with the key above.
    static let es256Message = "nudge ES256 test input"
    static let es256PythonSignature = "c78193fd37ba49ec199afe1b8792ecd984a11564f74c48decc8e0217f362396303a73b4cabc35f3b9021f63644e15dc6af4bbfb5076791736a509c619336155d"

    /// A P-384 key: right algorithm, wrong curve.
    static let p384PKCS8 = """
        -----BEGIN PRIVATE KEY-----
        MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDAp8SRjA8V8adPr1Qve
        Z9MHkrtQ1FrrmPjE/YKLWIA7yPZPgWaPFfzQDc6lZhfkYbuhZANiAAT8o+SdQEyb
        xNrgfGRzFNgiCvzKzq+wW+ckjXIFLBAsx2mit93DELNV/UPXImqZgHPqc3BBQYdW
        o+KVIC8XpyC64iWglS51hM8aA2DpNuIcxY5Z76aDw4MseXSYjf6yAw4=
        -----END PRIVATE KEY-----
        """

    /// A P-256 key encrypted with the passphrase "secret".
    static let p256Encrypted = """
        -----BEGIN ENCRYPTED PRIVATE KEY-----
        MIH0MF8GCSqGSIb3DQEFDTBSMDEGCSqGSIb3DQEFDDAkBBAdkv5hQPTBcSDb0Zw/
        cZonAgIIADAMBggqhkiG9w0CCQUAMB0GCWCGSAFlAwQBKgQQJHGxB2jJE2jaIr4i
        DveqrQSBkDTiQjVf4Bk9r6i0zzWMpRl2KFiqAkegFNGM+OSE0Vncp2b5LM8mw6TK
        +IentpqTglYo7EHclmyoa7z46FbbzMvIumQ5IloHxmX9bRqK49y/qcUCx6VuKVIT
        mbWU4nCuiBkztqlLyA4fswPAmfGYHiF3ZOtv8gfl+GCYZRBW5tIhzpDI9hMzgZyj
        8wzhTu0xjw==
        -----END ENCRYPTED PRIVATE KEY-----
        """

    /// A P-256 public key: what an operator might configure by mistake.
    static let p256PublicPEM = """
        -----BEGIN PUBLIC KEY-----
        MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEmH4Ml2Z8RkwZ0IfE6V1mXD83z+0q
        TUoeiupyDUIdrNsi1Z7kGgwi4ezV2dTEJD/h9alDIwd6H+6hgy8vwpJ5KA==
        -----END PUBLIC KEY-----
        """

    /// A 2048-bit RSA key as PKCS#8, the form in Google service-account files.
    static let rsa2048 = """
        -----BEGIN PRIVATE KEY-----
        MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCpddtL6QKijgFC
        p3dS5aqJoyBqfAyXjZzCo657xYQKml98VpOOqKsVd1ecRkSUJJ271yT7Z+0CfwDG
        TE2LWZkUB+FHEmJDhKdA/Xuo0jndjxlcijLD+DMpjP4kSFl1Jzy4Qxo+VNzry+eH
        6J+RM9hFwKmy7hYj88QQgvq7AZBeFBBd3uY+8ANdw/X3NGwYxy7PGQThHRuvHmhX
        nzE6lMIp3Exn6yls0X3bEykoYDFPT0pr4Bu+Q+RjtZkuqrgjKXNPUCKGObChaXcG
        G9o1zkDXeiziPrOYJhO7HJj9QtWa1D/Tf5kzn90s1R/uYy/7uKfKuWtNuxprRbMV
        7HaMAYvxAgMBAAECggEAAn4FxoIPfUbucFBhfMzEFC74TqmBOgQpTgbAMVU0zXfl
        ex132icTZbxXWP3YINwyq1ltKNeEB9+Pzbc/2URX4d66zHynUCae4hqdnSq0y8Xr
        bF+/LRycE1qdzQajtYJa3GYflLaaMRKaAWGeYZwDOr5Int57fZm0q6HUoJRMq4+9
        rAqFpPGUaJ8csopvCo0UHMDhdvpFI+SsuATNNnMxkJUUPJixbTjZXGz6YlUQbP3d
        8Lppe0MEVGpKCFKVdkZhdW31CzyD5fRG8b5AuAZq3soW5BoMKpURQF4NGOL5bZJS
        NKz9JWVRw6JlfWOzaArCCn2IglcX/VSRiJbqbKAr9QKBgQDfrYBNoFn0WyjVZNn0
        rEZ4YMjv0HJ9gAXL2ugaQz0tZTQrfDmSbP80bASGGjmOPv6ztES1jcxV0S3hEzXK
        x4zkU4bhMMyUnNKboHbdgbRbTw0ZRaDDHTQs0mDYreqKmmyvhqyaZuLgehiYauFb
        7BOwIXdCpAiZtE3HSTc4mqHmnQKBgQDB8rIIiptWBsTUez2xlie5J1VfiWRyTVXB
        92EdUWelWpQQoNfWVmoZOn8lcNHZk+ZtK4kin0QpVL1TLf7fzjrDfVjEPpOQNeoc
        uLPKIQ5knHAVQ+icq+4WbJ5aW9pw8MGwsG5SYhwQ1F2iKtPqZToKwVO3zWpCzmJ7
        /gyJ/SrQZQKBgQC04dPt8oyMJOQCnYn8aQyb8HjOJl1PzCXj0uT7yABDI6JqwAy2
        sto2hFusLqz4sUy7+j3OLBtgEsbtSuGnWHRBeKKMnS/zxlYycDNvsaIubOEE3N/C
        qW02CfMzhoEzEOpvj5MpUaaLLXGSYGxaL7FEL+wHwisKUVrMnBLB/ZqLqQKBgATJ
        CS1+xgBkYFzhwY7tJoPB/bBCwpCzacdEZEgF5ynER1z1qv2l2i5PLC3vT64voQLW
        jSamiVb/uUAhJWW+P+Ls59DHvnpTajhVMlJtaF6BIZ7UsxuSfmhdO7b9BzG8Lvs+
        DyrHMuwTYVAMAHiLENiNFpS1Y8bMMs/eX87TyUelAoGBANfDT6Fwc4qTm7czqbf4
        Gag1C2yUwCa17hgBvR18txJvcIdngHlnGTs9qmUpmy+d1iiGdbH2IE8ULjvmKyID
        lePMbc7nXjpGYkKP8GcITPhqo6EBABx8faq8ckunXV7N/qP06ty0cS9RktmECWxD
        pFsFO/M59n+KtjtHA5xr2OS7
        -----END PRIVATE KEY-----
        """

    /// Python's RS256 signature (RSASSA-PKCS1-v1_5, SHA-256) of `rs256Message` with `rsa2048`.
    static let rs256Message = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJudWRnZSJ9"
    static let rs256PythonSignature = "24d9a692e0cc6adf46a11d384c4b109b61a04229ae15d4321206c48b8dcf15fb3cae20ac28df616386e031242f018f261afcb92eb58a55311954c869462b0816ce2adf358eababf23fe511c210d2e93d7e7038374ee6beabba23013326c452990a97d69564d3d6e66ef1e585afb0e1da3f899c24954df19575b49a5189e75ad562421ada30ba62d58bbe4657331896c85cf9df63f90b213ad366b518e543b2c4635aeaf4e54ba62a046454cf908530247f9bf78967a4926ecbfa297c33ce83688a91f292670d72b60f1db84cf740fed11cbd189e88f9b0590bf96e6e9ef9d7bc10fe986b62ffddf9f68ad3253803ad8875172934af79cf93d003496d9ac75dd2"
}
