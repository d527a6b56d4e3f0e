/// A vendor's answer, whatever its status: classifying it is the vendor
/// adapter's job, not the transport's.
public struct HTTPResponse: Sendable, Equatable {
    /// The final status code (interim 1xx answers are not kept).
    public var status: Int
    /// The final response's headers in the order received, names lowercased.
    /// HTTP/2 trailers, if any, follow them.
    public var headers: [(name: String, value: String)]
    /// The body, at most `HTTPResponse.maxBodyBytes` bytes.
    public var body: [UInt8]
    /// 2 for HTTP/2, 1 for HTTP/1.x.
    public var httpVersion: Int
    /// True when the body was longer than `maxBodyBytes`: the rest was not read.
    public var bodyTruncated: Bool

    /// Vendors answer with small JSON documents; anything longer is cut here
    /// so a misbehaving endpoint cannot make the transport hold megabytes.
    public static let maxBodyBytes = 64 * 1024

    /// A response as the transport builds it; also for tests of vendor classifiers.
    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
                httpVersion: Int = 2, bodyTruncated: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.httpVersion = httpVersion
        self.bodyTruncated = bodyTruncated
    }

    /// The first value of the header called `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let wanted = ResponseHeaders.lowercased(name)
        return headers.first { $0.name == wanted || ResponseHeaders.lowercased($0.name) == wanted }?.value
    }

    public static func == (a: HTTPResponse, b: HTTPResponse) -> Bool {
        a.status == b.status && a.body == b.body && a.httpVersion == b.httpVersion
            && a.bodyTruncated == b.bodyTruncated
            && a.headers.count == b.headers.count
            && zip(a.headers, b.headers).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}
