/// RFC 4648 section 10 test vectors, shared by the base64, base64url and hex suites.
enum RFC4648 {
    static let base64Vectors: [(plain: String, encoded: String)] = [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
    ]

    static let hexVectors: [(plain: String, encoded: String)] = [
        ("", ""), ("f", "66"), ("fo", "666F"), ("foo", "666F6F"),
        ("foob", "666F6F62"), ("fooba", "666F6F6261"), ("foobar", "666F6F626172"),
    ]
}
