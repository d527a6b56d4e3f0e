import Testing
import NudgeNet
@testable import NudgeDelivery
import NudgeCore

/// Which Web Push endpoints are used: `EndpointPolicy` (the app server's)
/// and `WebPushEndpoint` (the delivery layer's name for the same rule).
@Suite struct EndpointPolicyTests {
    /// An endpoint and the refusal with private addresses refused, then allowed.
    struct Row: CustomTestStringConvertible, Sendable {
        var endpoint: String
        var allowHTTP: Bool
        var strict: String?
        var lenient: String?
        var testDescription: String { endpoint + (allowHTTP ? " (http allowed)" : "") }

        init(_ endpoint: String, http: Bool = false, _ strict: String?, lenient: String? = nil) {
            self.endpoint = endpoint
            self.allowHTTP = http
            self.strict = strict
            self.lenient = lenient
        }

        /// The same refusal whether private addresses are allowed or not.
        static func always(_ endpoint: String, http: Bool = false, _ refusal: String?) -> Row {
            Row(endpoint, http: http, refusal, lenient: refusal)
        }
    }

    static let table: [Row] = [
        .always("https://fcm.googleapis.com/fcm/send/dGVzdA:APA91b", nil),
        .always("https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk", nil),
        .always("https://web.push.apple.com:443/QGx0", nil),
        .always("https://[2001:db8::1]:8443/up/x", nil),
        .always("https://8.8.8.8/x", nil),
        .always("https://134744072/x", nil),   // 8.8.8.8 in decimal: public
        .always("https://172.15.255.255/x", nil),
        .always("https://172.32.0.1/x", nil),
        .always("https://xn--bcher-kva.example/x", nil),
        .always("https://ntfy_host.example/up", nil),
        .always("http://push.example.net/x", "endpoint must be https"),
        .always("http://push.example.net/x", http: true, nil),
        .always("HTTPS://Push.Example.NET/x", nil),
        .always("ftp://push.example.net/x", "endpoint must be https"),
        .always("ftp://push.example.net/x", http: true, "endpoint must be https or http"),
        .always("file:///etc/passwd", "endpoint must be https"),
        .always("push.example.net/x", "endpoint is not a URL"),
        .always("", "endpoint is not a URL"),
        .always("garbage", "endpoint is not a URL"),
        .always("://push.example.net/", "endpoint is not a URL"),
        .always("https://push example.net/", "endpoint is not a URL"),
        .always("https://push.example.net/a\nb", "endpoint is not a URL"),
        .always("https://bücher.example/", "endpoint is not a URL"),
        .always("https://push.example.net\\@10.0.0.1/", "endpoint is not a URL"),
        .always("https://[::1/", "endpoint is not a URL"),
        .always("https://a:b:c/", "endpoint is not a URL"),
        .always("https://user:pass@push.example.net/x", "endpoint contains a user name or password"),
        .always("https://user@push.example.net/x", "endpoint contains a user name or password"),
        .always("https://@10.0.0.1/x", "endpoint contains a user name or password"),
        .always("https:///x", "endpoint has no host"),
        .always("https://", "endpoint has no host"),
        .always("https://:443/x", "endpoint has no host"),
        .always("https://./x", "endpoint has no host"),
        .always("https://push.example.net:99999/x", "endpoint has an invalid port"),
        .always("https://push.example.net:0/x", "endpoint has an invalid port"),
        .always("https://push.example.net:/x", "endpoint has an invalid port"),
        .always("https://push.example.net:8a/x", "endpoint has an invalid port"),
        .always("https://exa%6dple.com/x", "endpoint host exa%6dple.com is not a valid host name"),
        .always("https://[fe80::1%25eth0]/x", "endpoint host [fe80::1%25eth0] is not a valid IPv6 address"),
        .always("https://[push.example.net]/x", "endpoint host [push.example.net] is not a valid IPv6 address"),
        .always("https://99999999999/x", "endpoint host 99999999999 is not a valid IPv4 address"),
        .always("https://1.2.3.4.5/x", "endpoint host 1.2.3.4.5 is not a valid IPv4 address"),
        .always("https://256.1.1.1/x", "endpoint host 256.1.1.1 is not a valid IPv4 address"),
        .always("https://1.2.3.08/x", "endpoint host 1.2.3.08 is not a valid IPv4 address"),
        .always("https://push.example.1/x", "endpoint host push.example.1 is not a valid IPv4 address"),
        Row("https://localhost/x", "endpoint host localhost is a local name"),
        Row("https://LocalHost:8080/x", "endpoint host localhost is a local name"),
        Row("https://localhost./x", "endpoint host localhost. is a local name"),
        Row("https://app.localhost/x", "endpoint host app.localhost is a local name"),
        Row("https://ip6-localhost/x", "endpoint host ip6-localhost is a local name"),
        Row("https://127.0.0.1/x", "endpoint host 127.0.0.1 is a loopback address"),
        Row("https://127.0.0.1./x", "endpoint host 127.0.0.1. is a loopback address (127.0.0.1)"),
        Row("https://127.1/x", "endpoint host 127.1 is a loopback address (127.0.0.1)"),
        Row("https://127.255.255.254:8443/x", "endpoint host 127.255.255.254 is a loopback address"),
        Row("https://[::1]/x", "endpoint host [::1] is a loopback address"),
        Row("https://[0:0:0:0:0:0:0:1]:8443/x", "endpoint host [0:0:0:0:0:0:0:1] is a loopback address"),
        Row("http://2130706433/x", http: true, "endpoint host 2130706433 is a loopback address (127.0.0.1)"),
        Row("https://0x7f.1/x", "endpoint host 0x7f.1 is a loopback address (127.0.0.1)"),
        Row("https://0X7F000001/x", "endpoint host 0x7f000001 is a loopback address (127.0.0.1)"),
        Row("https://0177.0.0.1/x", "endpoint host 0177.0.0.1 is a loopback address (127.0.0.1)"),
        Row("https://017700000001/x", "endpoint host 017700000001 is a loopback address (127.0.0.1)"),
        Row("https://10.0.0.1/x", "endpoint host 10.0.0.1 is a private address"),
        Row("https://10.255.1.2:8443/x", "endpoint host 10.255.1.2 is a private address"),
        Row("https://0xa000001/x", "endpoint host 0xa000001 is a private address (10.0.0.1)"),
        Row("https://172.16.0.1/x", "endpoint host 172.16.0.1 is a private address"),
        Row("https://172.20.10.1/x", "endpoint host 172.20.10.1 is a private address"),
        Row("https://172.31.255.255/x", "endpoint host 172.31.255.255 is a private address"),
        Row("https://192.168.1.1/x", "endpoint host 192.168.1.1 is a private address"),
        Row("https://3232235777/x", "endpoint host 3232235777 is a private address (192.168.1.1)"),
        Row("https://169.254.169.254/latest", "endpoint host 169.254.169.254 is a link-local address"),
        Row("https://100.64.0.1/x", "endpoint host 100.64.0.1 is a shared address"),
        Row("https://0.0.0.0/x", "endpoint host 0.0.0.0 is an unspecified address"),
        Row("https://0/x", "endpoint host 0 is an unspecified address (0.0.0.0)"),
        Row("https://[::]/x", "endpoint host [::] is an unspecified address"),
        Row("https://224.0.0.1/x", "endpoint host 224.0.0.1 is a multicast address"),
        Row("https://255.255.255.255/x", "endpoint host 255.255.255.255 is a reserved address"),
        Row("https://[fc00::1]/x", "endpoint host [fc00::1] is a unique local address"),
        Row("https://[fd00:ec2::254]/x", "endpoint host [fd00:ec2::254] is a unique local address"),
        Row("https://[fe80::1]/x", "endpoint host [fe80::1] is a link-local address"),
        Row("https://[::ffff:127.0.0.1]/x", "endpoint host [::ffff:127.0.0.1] is a loopback address"),
        Row("https://[::ffff:7f00:1]/x", "endpoint host [::ffff:7f00:1] is a loopback address"),
        Row("https://[::ffff:10.0.0.1]/x", "endpoint host [::ffff:10.0.0.1] is a private address"),
        Row("https://[::ffff:169.254.169.254]/x", "endpoint host [::ffff:169.254.169.254] is a link-local address"),
        Row("https://[64:ff9b::a00:1]/x", "endpoint host [64:ff9b::a00:1] is a private address"),
    ]

    @Test(arguments: table)
    func policy(row: Row) {
        #expect(EndpointPolicy.check(row.endpoint, allowHTTP: row.allowHTTP, allowPrivateAddresses: false) == row.strict)
        #expect(EndpointPolicy.check(row.endpoint, allowHTTP: row.allowHTTP, allowPrivateAddresses: true) == row.lenient)
    }

    @Test(arguments: table)
    func webPushEndpointIsThePolicy(row: Row) {
        for allowPrivate in [false, true] {
            #expect(WebPushEndpoint.check(row.endpoint, allowHTTP: row.allowHTTP, allowPrivateAddresses: allowPrivate)
                    == EndpointPolicy.check(row.endpoint, allowHTTP: row.allowHTTP, allowPrivateAddresses: allowPrivate))
        }
    }

    /// The app server's literal check and the transport's connect-time
    /// check refuse the same addresses, in the same words.
    @Test(arguments: ["127.0.0.1", "10.0.0.5", "172.16.3.4", "192.168.9.9", "169.254.0.1", "100.100.0.1", "0.0.0.0",
                      "224.1.1.1", "250.0.0.1", "8.8.8.8", "1.1.1.1", "::1", "::", "fe80::9", "fc00::2", "fd00::1",
                      "fec0::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:192.168.0.1", "::ffff:8.8.8.8", "64:ff9b::7f00:1",
                      "64:ff9b::808:808", "2001:4860:4860::8888", "::10.0.0.1"])
    func literalAndConnectTimeChecksAgree(address: String) throws {
        let host = address.contains(":") ? "[\(address)]" : address
        let literal = EndpointPolicy.check("https://\(host)/x", allowHTTP: false, allowPrivateAddresses: false)
        let kind = NonPublicAddress.kind(try #require(IPAddress.bytes(address)))
        #expect(literal == kind.map { "endpoint host \(host) is \($0)" })
    }

    @Test func origins() {
        func origin(_ endpoint: String) -> String? { EndpointPolicy.origin(of: endpoint)?.serialized }
        #expect(origin("https://fcm.googleapis.com/fcm/send/abc") == "https://fcm.googleapis.com")
        #expect(origin("https://Push.Example.NET:443/x?y#z") == "https://push.example.net")
        #expect(origin("https://push.example.net:8443/x") == "https://push.example.net:8443")
        #expect(origin("http://push.example.net:80/x") == "http://push.example.net")
        #expect(origin("http://push.example.net:443/x") == "http://push.example.net:443")
        #expect(origin("https://push.example.net?x") == "https://push.example.net")
        #expect(origin("https://[2001:DB8::1]:8443/x") == "https://[2001:db8::1]:8443")
        #expect(origin("ftp://push.example.net/") == nil)
        #expect(origin("garbage") == nil)
        #expect(EndpointPolicy.origin(of: "https://push.example.net:8443/a")
                == EndpointPolicy.Origin(scheme: "https", host: "push.example.net", port: 8443))
        #expect(WebPushEndpoint.origin("https://push.example.net:443/a") == "https://push.example.net")
    }
}
