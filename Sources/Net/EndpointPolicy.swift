import Glibc

/// Which Web Push (and UnifiedPush) endpoints the app server may POST to.
///
/// An endpoint comes from a client, so without this rule any user could
/// make the server send requests to its own services or its local network
/// (SSRF). Checked when a device registers and again before each push.
/// Only the URL's text is judged here, with no DNS lookup: a name that
/// resolves to a private address is refused by the transport at connect
/// time (`HTTPRequest.allowPrivateAddresses`), which this layer cannot see.
public enum EndpointPolicy {
    /// nil when the endpoint is acceptable, else why not, in words a user
    /// can act on ("endpoint must be https", "endpoint host 10.0.0.1 is a
    /// private address").
    public static func check(_ endpoint: String, allowHTTP: Bool, allowPrivateAddresses: Bool) -> String? {
        if case .failure(let refusal) = accept(endpoint, allowHTTP: allowHTTP, allowPrivateAddresses: allowPrivateAddresses) {
            return refusal.text
        }
        return nil
    }

    /// The endpoint's origin when it is acceptable, else why not: `check`
    /// and `origin(of:)` from one reading of the URL, as the app server
    /// needs both before each Web Push message.
    public static func accept(_ endpoint: String, allowHTTP: Bool, allowPrivateAddresses: Bool) -> Result<Origin, Refusal> {
        // The scheme first: "file:///x" is refused for its scheme, not its missing host.
        switch URLParts.scheme(of: endpoint) {
        case "https"?: break
        case "http"? where allowHTTP: break
        case nil: return .failure(Refusal("endpoint is not a URL"))
        default: return .failure(Refusal(allowHTTP ? "endpoint must be https or http" : "endpoint must be https"))
        }
        let url: URLParts
        switch URLParts.parse(endpoint) {
        case .success(let parts): url = parts
        case .failure(let refusal): return .failure(refusal)
        }
        if let problem = url.host.problem(allowPrivateAddresses: allowPrivateAddresses) {
            return .failure(Refusal("endpoint host \(url.host.text) is \(problem)"))
        }
        return .success(Origin(scheme: url.scheme, host: url.host.text, port: url.port))
    }

    /// The origin of an endpoint (RFC 6454): what VAPID's `aud` claim
    /// names. nil when the endpoint does not parse.
    public static func origin(of endpoint: String) -> Origin? {
        guard case .success(let url) = URLParts.parse(endpoint), url.scheme == "https" || url.scheme == "http" else { return nil }
        return Origin(scheme: url.scheme, host: url.host.text, port: url.port)
    }

    /// Scheme, host and port of a URL.
    public struct Origin: Sendable, Equatable, Hashable {
        /// `https` or `http`, lowercase.
        public var scheme: String
        /// The host as written, lowercase; an IPv6 address in brackets.
        public var host: String
        /// The port when the URL names one other than the scheme's default.
        public var port: Int?

        public init(scheme: String, host: String, port: Int?) {
            self.scheme = scheme
            self.host = host
            self.port = port
        }

        /// `scheme://host[:port]`.
        public var serialized: String {
            port.map { "\(scheme)://\(host):\($0)" } ?? "\(scheme)://\(host)"
        }
    }
}

extension EndpointPolicy {
    /// Why an endpoint may not be used, in words a user can act on.
    public struct Refusal: Error, Equatable {
        public let text: String
        init(_ text: String) { self.text = text }
    }

    /// The parts of an `http` or `https` URL the policy judges.
    fileprivate struct URLParts {
        var scheme: String
        var host: Host
        var port: Int?

        /// The lowercase scheme of a URL-shaped text, or nil when it is
        /// not one. No spaces, controls or non-ASCII anywhere: push
        /// services' endpoints have none, and tools disagree on how to read
        /// URLs that do.
        static func scheme(of text: String) -> String? {
            guard !text.isEmpty, text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }),
                  let separator = schemeSeparator(text)
            else { return nil }
            let scheme = text[..<separator.lowerBound].lowercased()
            guard let first = scheme.utf8.first, isLetter(first),
                  scheme.utf8.allSatisfy({ isLetter($0) || isDigit($0) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E })
            else { return nil }
            return scheme
        }

        /// The first `://` in `text`. The text is ASCII (`scheme(of:)`
        /// checks it first), so its bytes are read, not its characters:
        /// a character search costs more than the rest of the URL's reading.
        static func schemeSeparator(_ text: String) -> Range<String.Index>? {
            let utf8 = text.utf8
            var i = utf8.startIndex
            while let colon = utf8[i...].firstIndex(of: 0x3A) {
                let end = utf8.index(colon, offsetBy: 3, limitedBy: utf8.endIndex) ?? utf8.endIndex
                if utf8[utf8.index(after: colon)..<end].elementsEqual([0x2F, 0x2F]) { return colon..<end }
                i = utf8.index(after: colon)
            }
            return nil
        }

        static func parse(_ text: String) -> Result<URLParts, Refusal> {
            guard let scheme = scheme(of: text), let separator = schemeSeparator(text) else {
                return .failure(Refusal("endpoint is not a URL"))
            }
            let rest = text[separator.upperBound...]
            let authority = rest[..<(rest.utf8.firstIndex { $0 == 0x2F || $0 == 0x3F || $0 == 0x23 } ?? rest.endIndex)]
            // Some readers take a backslash for a slash, others for part of the host.
            guard !authority.utf8.contains(0x5C) else { return .failure(Refusal("endpoint is not a URL")) }
            guard !authority.utf8.contains(0x40) else { return .failure(Refusal("endpoint contains a user name or password")) }
            let hostText: Substring
            let portText: Substring?
            if authority.hasPrefix("[") {
                guard let close = authority.firstIndex(of: "]") else { return .failure(Refusal("endpoint is not a URL")) }
                hostText = authority[...close]
                let after = authority[authority.index(after: close)...]
                guard after.isEmpty || after.hasPrefix(":") else { return .failure(Refusal("endpoint is not a URL")) }
                portText = after.isEmpty ? nil : after.dropFirst()
            } else {
                let pieces = authority.utf8.split(separator: 0x3A, omittingEmptySubsequences: false)
                guard pieces.count <= 2 else { return .failure(Refusal("endpoint is not a URL")) }
                hostText = Substring(pieces[0])
                portText = pieces.count == 2 ? Substring(pieces[1]) : nil
            }
            guard !hostText.isEmpty else { return .failure(Refusal("endpoint has no host")) }
            var port: Int?
            if let portText {
                guard !portText.isEmpty, portText.utf8.count <= 5, portText.utf8.allSatisfy(isDigit),
                      let number = Int(portText), (1...65_535).contains(number)
                else { return .failure(Refusal("endpoint has an invalid port")) }
                let defaultPort = scheme == "https" ? 443 : scheme == "http" ? 80 : nil
                port = number == defaultPort ? nil : number
            }
            switch Host.parse(hostText.lowercased()) {
            case .success(let host): return .success(URLParts(scheme: scheme, host: host, port: port))
            case .failure(let refusal): return .failure(refusal)
            }
        }
    }

    /// A URL's host: a name, or an IP address in any form the system's
    /// resolver reads as one (`2130706433` and `0x7f.1` are 127.0.0.1).
    fileprivate struct Host {
        /// As written, lowercase.
        var text: String
        /// The address, 4 or 16 bytes, when the host is numeric.
        var address: [UInt8]?

        static func parse(_ text: String) -> Result<Host, Refusal> {
            if text.hasPrefix("[") {
                // inet_pton refuses zone ids ("%25eth0"), which only make sense on the local link.
                let inner = String(text.dropFirst().dropLast())
                var v6 = in6_addr()
                guard inet_pton(AF_INET6, inner, &v6) == 1 else {
                    return .failure(Refusal("endpoint host \(text) is not a valid IPv6 address"))
                }
                return .success(Host(text: text, address: withUnsafeBytes(of: &v6) { Array($0) }))
            }
            guard text.utf8.allSatisfy({ isLetter($0) || isDigit($0) || $0 == 0x2D || $0 == 0x2E || $0 == 0x5F }) else {
                return .failure(Refusal("endpoint host \(text) is not a valid host name"))
            }
            // A trailing dot names the same host ("localhost." is localhost).
            let name = text.hasSuffix(".") ? text.dropLast() : text[...]
            guard let last = labels(name).last, !name.isEmpty else {
                return .failure(Refusal("endpoint has no host"))
            }
            // A host whose last label is a number is an IPv4 address to URL
            // parsers and to inet_aton, in whatever base its labels are written.
            guard isNumberLabel(last) else { return .success(Host(text: text, address: nil)) }
            guard let value = ipv4(name) else {
                return .failure(Refusal("endpoint host \(text) is not a valid IPv4 address"))
            }
            return .success(Host(text: text, address: [UInt8(value >> 24), UInt8((value >> 16) & 0xFF),
                                                       UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]))
        }

        /// Why this host may not be used, or nil.
        func problem(allowPrivateAddresses: Bool) -> String? {
            guard !allowPrivateAddresses else { return nil }
            guard let address else {
                return Self.localNames.contains(where: { text == $0 || text == $0 + "." }) || text.hasSuffix(".localhost")
                    || text.hasSuffix(".localhost.") ? "a local name" : nil
            }
            guard let kind = NonPublicAddress.kind(address) else { return nil }
            // Show what an unusual numeric form ("2130706433") stands for.
            guard address.count == 4 else { return kind }
            let dotted = address.map { String($0) }.joined(separator: ".")
            return dotted == text ? kind : "\(kind) (\(dotted))"
        }

        /// Names that mean this machine without asking DNS (RFC 6761, and
        /// Debian's /etc/hosts aliases of ::1).
        static let localNames = ["localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"]

        /// inet_aton's reading: one to four labels, each decimal, octal (a
        /// leading 0) or hex (0x); the last label fills the remaining bytes.
        static func ipv4(_ name: Substring) -> UInt32? {
            let labels = labels(name)
            guard (1...4).contains(labels.count) else { return nil }
            var parts: [UInt64] = []
            for label in labels {
                guard let value = number(label) else { return nil }
                parts.append(value)
            }
            var value: UInt64 = 0
            for (index, part) in parts.dropLast().enumerated() {
                guard part <= 0xFF else { return nil }
                value |= part << (8 * UInt64(3 - index))
            }
            let room = UInt64(8 * (5 - parts.count))
            guard parts.last! < (1 << room) else { return nil }
            return UInt32(value | parts.last!)
        }

        /// The dot-separated labels of an ASCII host, split on its bytes
        /// (splitting characters costs several times more).
        static func labels(_ name: Substring) -> [Substring] {
            name.utf8.split(separator: 0x2E, omittingEmptySubsequences: false).map { Substring($0) }
        }

        /// A label read as a number: "0x1f", "017" (octal), "255"; nil if it is not one.
        static func number(_ label: Substring) -> UInt64? {
            guard !label.isEmpty, label.utf8.count <= 12 else { return nil }
            if label.hasPrefix("0x") {
                let digits = label.dropFirst(2)
                return digits.isEmpty ? 0 : UInt64(digits, radix: 16)
            }
            if label.utf8.count > 1 && label.hasPrefix("0") { return UInt64(label.dropFirst(), radix: 8) }
            return UInt64(label, radix: 10)
        }

        /// Whether a label is written as a number (in any base): then the
        /// host is an IPv4 address or invalid, never a name.
        static func isNumberLabel(_ label: Substring) -> Bool {
            if label.hasPrefix("0x") { return label.dropFirst(2).utf8.allSatisfy(isHexDigit) }
            return !label.isEmpty && label.utf8.allSatisfy(isDigit)
        }
    }
}

private func isLetter(_ c: UInt8) -> Bool { (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) }
private func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
private func isHexDigit(_ c: UInt8) -> Bool { isDigit(c) || (c >= 0x61 && c <= 0x66) }
