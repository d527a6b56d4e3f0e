import Testing
@testable import NudgeDelivery

/// The header collector on its own, fed lines the way curl feeds them.
@Suite struct ResponseHeadersTests {
    private func collect(_ lines: [String]) -> (fields: [(name: String, value: String)], ok: Bool) {
        var headers = ResponseHeaders()
        var ok = true
        for line in lines {
            let bytes = Array(line.utf8)
            ok = bytes.withUnsafeBytes { headers.consume($0) } && ok
        }
        return (headers.fields, ok)
    }

    @Test func keepsOnlyTheFinalResponsesHeadersLowercased() {
        let (fields, ok) = collect(["HTTP/1.1 100 Continue\r\n", "X-Interim: 1\r\n", "\r\n",
                                    "HTTP/1.1 200 OK\r\n", "Content-Type: application/json\r\n",
                                    "APNS-ID:  abc \r\n", "\r\n"])
        #expect(ok)
        #expect(fields.map(\.name) == ["content-type", "apns-id"])
        #expect(fields.map(\.value) == ["application/json", "abc"])
    }

    @Test func foldedLineContinuesThePreviousValue() {
        let (fields, _) = collect(["HTTP/1.1 200 OK\r\n", "x-long: a\r\n", "\t b\r\n", "\r\n"])
        #expect(fields.count == 1)
        #expect(fields.first?.value == "a b")
    }

    @Test func emptyValueAndMissingColon() {
        let (fields, _) = collect(["HTTP/2 200\r\n", "x-empty:\r\n", "garbage\r\n"])
        #expect(fields.count == 1)
        #expect(fields.first?.name == "x-empty")
        #expect(fields.first?.value == "")
    }

    @Test func refusesHeadersBeyondTheCap() {
        let line = "x-big: " + String(repeating: "a", count: 1000) + "\r\n"
        let (_, ok) = collect(["HTTP/2 200\r\n"] + Array(repeating: line, count: 70))
        #expect(!ok)
    }

    @Test func responseLookupIsCaseInsensitiveAndEqualityComparesHeaders() {
        let a = HTTPResponse(status: 200, headers: [("retry-after", "3")], body: [1])
        #expect(a.header("Retry-After") == "3")
        #expect(a.header("missing") == nil)
        #expect(a == HTTPResponse(status: 200, headers: [("retry-after", "3")], body: [1]))
        #expect(a != HTTPResponse(status: 200, headers: [("retry-after", "4")], body: [1]))
        #expect(a != HTTPResponse(status: 200, headers: [], body: [1]))
    }
}
