import Testing
import NudgeCrypto

/// The key classes are `Sendable` on the claim that one key may sign from
/// many threads at once; this exercises that claim.
@Suite struct ConcurrentSigningTests {
    @Test func oneP256KeyManyTasks() async throws {
        let key = try P256PrivateKey(pem: TestKeys.p256PKCS8)
        let results = await withTaskGroup(of: Bool.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for index in 0..<50 {
                        let data = [UInt8(task), UInt8(index)]
                        guard let signature = try? key.signES256(data),
                              (try? P256PublicKey.verifyES256(publicKey: key.publicKey, data: data, signature: signature)) == true,
                              (try? key.sharedSecret(with: hex(TestKeys.p256Public))) != nil
                        else { return false }
                    }
                    return true
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results == [Bool](repeating: true, count: 8))
    }

    @Test func oneRSAKeyManyTasks() async throws {
        let key = try RSAPrivateKey(pem: TestKeys.rsa2048)
        let expected = TestKeys.rs256PythonSignature
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<10 {
                        guard let signature = try? key.signRS256(Array(TestKeys.rs256Message.utf8)),
                              Hex.encode(signature) == expected
                        else { return false }
                    }
                    return true
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results == [Bool](repeating: true, count: 8))
    }
}
