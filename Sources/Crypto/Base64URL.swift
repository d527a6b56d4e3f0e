/// URL-safe base64 (RFC 4648 section 5): `-` and `_`. JWS, VAPID keys and
/// Web Push subscription keys all use it.
public enum Base64URL {
    /// Encodes `bytes` without padding, as JWS (RFC 7515) and RFC 8292 require.
    public static func encode(_ bytes: [UInt8]) -> String {
        Base64Codec.encode(bytes, alphabet: Base64Codec.url, pad: false)
    }

    /// Decodes URL-safe base64 with or without padding (clients send both).
    /// Returns nil on any character outside the alphabet, padding of the
    /// wrong length, an impossible length, or non-zero trailing bits.
    public static func decode(_ text: String) -> [UInt8]? {
        Base64Codec.decode(text, alphabet: Base64Codec.url, padding: .optional)
    }
}
