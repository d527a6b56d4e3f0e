/// Refuses requests curl would send in a harmful or meaningless form before
/// they reach it: a CR or LF in a header would let a value smuggle in other
/// headers on HTTP/1.1, and a method or header name that is not an HTTP
/// token is not HTTP at all.
enum CurlRequestCheck {
    static func validate(_ request: HTTPRequest) throws(HTTPFailure) {
        guard isToken(request.method) else {
            throw HTTPFailure(kind: .other, message: "invalid HTTP method \"\(request.method)\"")
        }
        for (name, value) in request.headers {
            guard isToken(name) else {
                throw HTTPFailure(kind: .other, message: "invalid header name \"\(name)\"")
            }
            guard !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }) else {
                throw HTTPFailure(kind: .other, message: "header \(name) has a line break or NUL in its value")
            }
        }
    }

    /// RFC 9110 `token`: one or more tchar.
    static func isToken(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                || "!#$%&'*+-.^_`|~".utf8.contains(c)
        }
    }
}
