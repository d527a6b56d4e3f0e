import Testing
@testable import NudgeXMPP

@Suite struct JIDTests {
    @Test(arguments: [
        ("juliet@example.com", "juliet@example.com"),
        ("Juliet@EXAMPLE.com./Balcony", "juliet@example.com/Balcony"),
        ("example.com", "example.com"),
        ("example.com/resource", "example.com/resource"),
        ("juliet@example.com/foo/bar@baz", "juliet@example.com/foo/bar@baz"),
        ("juliet@example.com/ spaces are fine ", "juliet@example.com/ spaces are fine "),
        ("JULIËT@Example.COM", "juliët@example.com"),
        ("user.name+tag@push.example.net", "user.name+tag@push.example.net"),
        ("☃@例え.テスト/Ünïcode", "☃@例え.テスト/Ünïcode"),
        ("a@_component.example", "a@_component.example"),
        ("a@192.0.2.1", "a@192.0.2.1"),
        ("a@[2001:DB8::1]/r", "a@[2001:db8::1]/r"),
        ("[::1]", "[::1]"),
        ("[::ffff:192.0.2.1]", "[::ffff:192.0.2.1]"),
        ("[1:2:3:4:5:6:7:8]", "[1:2:3:4:5:6:7:8]"),
        ("localhost", "localhost"),
    ])
    func parsesAndNormalises(input: String, canonical: String) throws {
        #expect(try JID(input).description == canonical)
    }

    @Test(arguments: [
        ("", "domain is empty"),
        (".", "domain is empty"),
        ("@example.com", "localpart is empty"),
        ("juliet@", "domain is empty"),
        ("example.com/", "resource is empty"),
        ("juliet@example.com/", "resource is empty"),
        ("/resource", "domain is empty"),
        ("jul<iet@example.com", "localpart contains '<'"),
        ("jul\"iet@example.com", "localpart contains '\"'"),
        ("jul&iet@example.com", "localpart contains '&'"),
        ("jul'iet@example.com", "localpart contains '''"),
        ("jul:iet@example.com", "localpart contains ':'"),
        ("jul>iet@example.com", "localpart contains '>'"),
        ("jul iet@example.com", "localpart contains U+0020"),
        ("jul\u{7}iet@example.com", "localpart contains U+0007"),
        ("jul\u{A0}iet@example.com", "localpart contains U+00A0"),
        ("a@b@example.com", "domain contains '@'"),
        ("a@exa mple.com", "domain contains U+0020"),
        ("a@example.com:5222", "domain contains ':'"),
        ("a@example..com", "domain has an empty label"),
        ("a@.example.com", "domain has an empty label"),
        ("a@example.com..", "domain has an empty label"),
        ("a@example.com/\u{0}", "resource contains U+0000"),
        ("a@example.com/x\u{7F}", "resource contains U+007F"),
        ("a@example.com/x\u{85}", "resource contains U+0085"),
        ("a@[::1", "domain is not a valid IPv6 literal"),
        ("a@[]", "domain is not a valid IPv6 literal"),
        ("a@[1:2:3:4:5:6:7]", "domain is not a valid IPv6 literal"),
        ("a@[1:2:3:4:5:6:7:8:9]", "domain is not a valid IPv6 literal"),
        ("a@[1::2::3]", "domain is not a valid IPv6 literal"),
        ("a@[12345::]", "domain is not a valid IPv6 literal"),
        ("a@[::g]", "domain is not a valid IPv6 literal"),
        ("a@[1:2:3:4:5:6:7::8]", "domain is not a valid IPv6 literal"),
        ("a@[::1.2.3.4:1]", "domain is not a valid IPv6 literal"),
        ("a@[fe80::1%eth0]", "domain is not a valid IPv6 literal"),
        ("a@[:1::]", "domain is not a valid IPv6 literal"),
        ("a@999.1.1.1", "domain is not a valid IPv4 address"),
        ("a@1.2.3.04", "domain is not a valid IPv4 address"),
    ])
    func rejects(input: String, message: String) {
        #expect(throws: JIDError(message)) { try JID(input) }
    }

    @Test func limitsEachPartTo1023Bytes() throws {
        let longest = String(repeating: "a", count: 1023)
        let tooLong = String(repeating: "a", count: 1024)
        let label = String(repeating: "b", count: 63)
        let longestDomain = Array(repeating: label, count: 16).joined(separator: ".") // 1023 bytes
        #expect(longestDomain.utf8.count == 1023)
        #expect(throws: Never.self) { try JID("\(longest)@\(longestDomain)/\(longest)") }
        #expect(throws: JIDError("localpart is longer than 1023 bytes")) { try JID("\(tooLong)@example.com") }
        #expect(throws: JIDError("resource is longer than 1023 bytes")) { try JID("a@example.com/\(tooLong)") }
        #expect(throws: JIDError("domain is longer than 1023 bytes")) { try JID("a@\(longestDomain)x") }
        // Multi-byte characters count in bytes: 512 × 2 bytes = 1024.
        #expect(throws: JIDError("localpart is longer than 1023 bytes")) {
            try JID(String(repeating: "é", count: 512) + "@example.com")
        }
    }

    @Test func limitsDomainLabelsTo63Bytes() {
        #expect(throws: Never.self) { try JID("a@\(String(repeating: "x", count: 63)).example") }
        #expect(throws: JIDError("domain label longer than 63 bytes")) {
            try JID("a@\(String(repeating: "x", count: 64)).example")
        }
    }

    @Test func buildsFromParts() throws {
        let jid = try JID(local: "Romeo", domain: "Montague.example.", resource: "Orchard")
        #expect(jid.local == "romeo")
        #expect(jid.domain == "montague.example")
        #expect(jid.resource == "Orchard")
        #expect(throws: JIDError("localpart contains '@'")) { try JID(local: "a@b", domain: "c", resource: nil) }
        #expect(throws: JIDError("localpart contains '/'")) { try JID(local: "a/b", domain: "c", resource: nil) }
        #expect(throws: JIDError("localpart is empty")) { try JID(local: "", domain: "c", resource: nil) }
        #expect(throws: JIDError("domain contains '/'")) { try JID(local: nil, domain: "c/d", resource: nil) }
        #expect(throws: JIDError("resource is empty")) { try JID(local: nil, domain: "c", resource: "") }
    }

    @Test func bareAndFullForms() throws {
        let full = try JID("juliet@example.com/balcony")
        #expect(!full.isBare)
        #expect(full.bare == (try JID("juliet@example.com")))
        #expect(full.bare.isBare)
        #expect(full.bare.description == "juliet@example.com")
        #expect(try full.bare.with(resource: "garden") == (try JID("juliet@example.com/garden")))
        #expect(throws: JIDError("resource contains U+0001")) { try full.with(resource: "\u{1}") }
    }

    @Test func equalityAndHashingFollowNormalisation() throws {
        let jids: Set<JID> = [try JID("Juliet@Example.com/R"), try JID("juliet@example.com./R")]
        #expect(jids.count == 1)
        #expect(try JID("a@b/R") != (try JID("a@b/r")))
        #expect(try JID("b") != (try JID("b/r")))
    }

    @Test func sortsByDomainThenLocalThenResource() throws {
        let sorted = try ["b@y", "a@z", "y", "a@y/2", "a@y", "a@y/1"].map { (text) throws(JIDError) in try JID(text) }
            .sorted().map(\.description)
        #expect(sorted == ["y", "a@y", "a@y/1", "a@y/2", "b@y", "a@z"])
    }
}
