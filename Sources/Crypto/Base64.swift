/// Standard base64 (RFC 4648 section 4): `+` and `/`, always padded.
/// Used for PEM bodies and wherever a vendor asks for plain base64.
public enum Base64 {
    /// Encodes `bytes` with `=` padding.
    public static func encode(_ bytes: [UInt8]) -> String {
        Base64Codec.encode(bytes, alphabet: Base64Codec.standard, pad: true)
    }

    /// Decodes padded standard base64. Returns nil on any character outside
    /// the alphabet (whitespace and line breaks are not skipped), missing or
    /// extra padding, or non-zero trailing bits.
    public static func decode(_ text: String) -> [UInt8]? {
        Base64Codec.decode(text, alphabet: Base64Codec.standard, padding: .required)
    }
}
