import NudgeCrypto
import NudgeXMPP

/// A compact JWS taken apart, to check what the adapters signed.
struct VendorTestJWT {
    var header: JSON
    var claims: JSON
    /// The bytes the signature covers: `header "." claims` as sent.
    var signingInput: [UInt8]
    var signature: [UInt8]

    init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3,
              let header = Base64URL.decode(parts[0]), let claims = Base64URL.decode(parts[1]),
              let signature = Base64URL.decode(parts[2]),
              let headerJSON = try? JSON.parse(String(decoding: header, as: UTF8.self)),
              let claimsJSON = try? JSON.parse(String(decoding: claims, as: UTF8.self))
        else { return nil }
        self.header = headerJSON
        self.claims = claimsJSON
        self.signingInput = Array((parts[0] + "." + parts[1]).utf8)
        self.signature = signature
    }
}
