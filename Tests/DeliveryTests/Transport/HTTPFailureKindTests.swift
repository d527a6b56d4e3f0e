import CCurl
import Testing
@testable import NudgeDelivery

/// curl's result codes sorted into the kinds a retry policy acts on.
@Suite struct HTTPFailureKindTests {
    @Test func codesMapToKinds() {
        let expected: [(CURLcode, HTTPFailure.Kind)] = [
            (CURLE_COULDNT_CONNECT, .connect), (CURLE_COULDNT_RESOLVE_HOST, .connect),
            (CURLE_PEER_FAILED_VERIFICATION, .tls), (CURLE_SSL_CONNECT_ERROR, .tls),
            (CURLE_SSL_CERTPROBLEM, .tls), (CURLE_OPERATION_TIMEDOUT, .timeout),
            (CURLE_HTTP2, .protocolError), (CURLE_HTTP2_STREAM, .protocolError),
            (CURLE_RECV_ERROR, .protocolError), (CURLE_GOT_NOTHING, .protocolError),
            (CURLE_UNSUPPORTED_PROTOCOL, .other), (CURLE_URL_MALFORMAT, .other),
        ]
        for (code, kind) in expected {
            #expect(HTTPFailure.kind(of: code) == kind, "code \(code.rawValue)")
        }
    }

    @Test func messageJoinsCurlsTextAndTheErrorBuffer() {
        // curl's wording differs between versions ("Couldn't"/"Could not").
        let generic = String(cString: curl_easy_strerror(CURLE_COULDNT_CONNECT))
        let failure = HTTPFailure(curlCode: CURLE_COULDNT_CONNECT, detail: "Failed to connect to 127.0.0.1 port 1")
        #expect(failure.message == generic + ": Failed to connect to 127.0.0.1 port 1")
        #expect(HTTPFailure(curlCode: CURLE_COULDNT_CONNECT, detail: "").message == generic)
        #expect(failure.description.hasPrefix("connect: "))
    }
}
