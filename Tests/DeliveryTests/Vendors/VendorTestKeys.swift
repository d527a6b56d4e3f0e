/// Fixed keys made once with Python's `cryptography` (48.0), so the tests
/// need no key generation and independent results can be pasted in.
enum VendorTestKeys {
    /// A P-256 key in PKCS#8 PEM, the form of Apple's .p8 files.
    static let p256PKCS8 = """
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgDjXllA1C4/waIDA7
jUVrUI5V7cFb+2MkP9Hp9iDC/5ShRANCAAR8ggkg8kaL9SULakLzJAFgD0ivQ10u
WyAfDLY4zniaX7Y8cysW2rIJRHZj9AiOufi3lxdBe+Fud/lgGQI/u0/8
-----END PRIVATE KEY-----
"""

    /// Its public key, 0x04‖X‖Y, as Python computed it.
    static let p256PublicHex = "047c820920f2468bf5250b6a42f32401600f48af435d2e5b201f0cb638ce789a5fb63c732b16dab209447663f4088eb9f8b79717417be16e77f96019023fbb4ffc"

    /// A 2048-bit RSA key in PKCS#8 PEM, as in Google service-account files.
    static let rsa2048PKCS8 = """
-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDClzJSuImYjK2O
xBh6QDQybK8hng649DaGP7qO12berx+hNdZ9uT6Mr0VI1k+2FAr42yYM0MVSQJu8
hM4TTDrA3cn7bE/onKmKPH/nqnl1cDW6QLEVN4LrKsb3ybAMwFy4uy0WD+G3fQh/
JrD0Mv9fwDzzWBVG5kHFUEhkWCOCaMl/HMCr9dhWTqid/yju6l1NuD34dROIbTha
0HcUuu1DMvtcwiqzbv4LKmQYLG1ieFOShHi9g2n0U+wMGpUBttDrX/EyC0n5pHK+
LIVWEAx9GRUkKiItm0FD5l0poI81T3+10nOcAhSP4s+IWFe7xR/ehRFfBQQqctZs
wDgwqaldAgMBAAECggEABstRLD65vSwSRkUWBrS1rdoKHl4erPoH6lWQzbp7IsTS
Eaan09FzO+XFwUaMV3LpNCmwsStb7GSJm4I2kMltVr0Xt5HfU2Oe7s7wd1YGMiHG
Gnf2RuOejFf8xPuTjEpuIlwUtau9yZKRyKDA9nHOZVk4t5VofsZ83ucP9AL40G2J
HejhDuDZfQ7P/GUUEH1xKAgOqUb83S15Y0lj47Yq+bcBKLnkqO1YlIF58tljwpb8
QdTQScfjBQfJnEN9OslmcJ3ANnv090I99KEqQLRcrsoo7sXLPsT+EUl7WeIV1g9P
MBeo5uE3rwuZ7mOVSTB+2tsWENROpwrJaudh2LHYiQKBgQDloTlnCp+KUxVQ49CR
f/Go7twr/9U26fbHDZrZwIqeJk8jeU9RGHcPcowsikVFB1/bNMNpMFgIa4NA2RgM
JCmT7vK7b1ohn1zyci9AbA7nlEwNxuhBOfhLXTR/6GI1WNZB3NUAYs+KvMotJW86
91NbhHZOwUnUUykKkfFEqRC7aQKBgQDY799h0wU1qXdC1tfO8bnJNdx32koX1rnz
zblF1J2lk/vwTrtUk7lPBZQuZmagw7pfKKIV8h4siuDf/7tMZMRlSZmBBtVa5XxP
gV5c15aKAA+KxSL/vQriLgKYYeP1b7bGCh7fp5sF+jiMrvwORuNfO4zTPTl4BIyB
vlu/Pz+D1QKBgQCPu9EwfGfMr6DCFzdwO8PKWGkcaXDOhLhhdFSfRHP/9j7HF6Hc
QxITa0Huh0ZApRMNJQPEDeysqI9pwfnZb7FO1dy+Ej86mIQXhf2pt3nE3wCUBxNN
8LlIgzjfb1g5yDek1lPFgBQk5XMvuyTapgFZYZqkRTyvWLZx1VROA/1jMQKBgDMg
5c8SgwnQtREFvbtCcX0guqNsyUWxEAaMF/yDTdx2ckyC4dffMS+UqwX8kHeXadd/
piPx+naZDML+bNBmd3s/y3QDfkl8CL5cSTcsgIhp1z/nkoYfse741RfBCo8QE029
mOUxhXH1NVrC6xkaUABj8p7esSq+N7dkfA8pAvk5AoGAYIvVNQeZ0U6JnzYFUemu
xBOv/D/0cmpLEleFw6F7+YW9GHqcFmMHrjU2kamJ3C4YkVHG9KVYneLK5uhgtYRo
jC/twzs+tHtkHW0Mx39qZuXORcm/UL7NYagX8imY8QyHQv4H8XqGM2bSqRGdeYoY
AfEb4JENR+31wHbKJLXcaQk=
-----END PRIVATE KEY-----
"""

    /// The FCM assertion Python signed (RS256 is deterministic) for
    /// `serviceAccount()`'s account at 1_700_000_000_000 ms: header
    /// {"typ":"JWT","alg":"RS256","kid":…}, claims iss, aud, scope, iat, exp.
    static let fcmAssertionAt1700000000 = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsImtpZCI6IjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1NjcifQ.eyJpc3MiOiJudWRnZS1wdXNoQG51ZGdlLXRlc3QuaWFtLmdzZXJ2aWNlYWNjb3VudC5jb20iLCJhdWQiOiJodHRwczovL29hdXRoMi5nb29nbGVhcGlzLmNvbS90b2tlbiIsInNjb3BlIjoiaHR0cHM6Ly93d3cuZ29vZ2xlYXBpcy5jb20vYXV0aC9maXJlYmFzZS5tZXNzYWdpbmciLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMzYwMH0.UqQCjWPglDGTbkO-NGQPjkG5ARTsYWk04n-QOULDZZ3xfv8EXRpID69CwldXV2Sb-7CkE-_-R5CqJYMUp8IIlY3dqaf52gSNhehgqadErQNJl7tBFiKY3ecqtQrAtg2Kh3xjA1UlgwzpP8-Coq4GKQHuS0AOlWA_VmTjaAFQag4brG4K9Xq9qIySCvp_G6rTfEKs6H506V8ymQ-q-zl6DtwP9iut0ietsVVzbpXll80ucvY9kUKSk7L67LsdjWqcj6RazQXQMoj5vulcr50umQjfvzylGwa2H9HpnaBxNG71z2dLxtZBV6HEFcX2v94hPBJRnV-FwsMi5TRKM-iKSQ"

    /// A self-signed certificate for the P-256 key, standing in for an APNs
    /// provider certificate.
    static let certificatePEM = """
-----BEGIN CERTIFICATE-----
MIIBWzCCAQGgAwIBAgIBATAKBggqhkjOPQQDAjA3MTUwMwYDVQQDDCxBcHBsZSBQ
dXNoIFNlcnZpY2VzOiBvcmcuZXhhbXBsZS5jaGF0ICh0ZXN0KTAeFw0yNDAxMDEw
MDAwMDBaFw00NDAxMDEwMDAwMDBaMDcxNTAzBgNVBAMMLEFwcGxlIFB1c2ggU2Vy
dmljZXM6IG9yZy5leGFtcGxlLmNoYXQgKHRlc3QpMFkwEwYHKoZIzj0CAQYIKoZI
zj0DAQcDQgAEfIIJIPJGi/UlC2pC8yQBYA9Ir0NdLlsgHwy2OM54ml+2PHMrFtqy
CUR2Y/QIjrn4t5cXQXvhbnf5YBkCP7tP/DAKBggqhkjOPQQDAgNIADBFAiBMjAdz
AFu6WK02ZPoMW/ODcE1W5szNyLmQWt/mT62j1wIhAKU3PQkTxGCWLva6at4T36e8
3pscTJL0RblbNzg0nQps
-----END CERTIFICATE-----
"""

    static let privateKeyID = "0123456789abcdef0123456789abcdef01234567"
    static let clientEmail = "nudge-push@nudge-test.iam.gserviceaccount.com"
    static let tokenURI = "https://oauth2.googleapis.com/token"
    static let projectID = "nudge-test"
}
