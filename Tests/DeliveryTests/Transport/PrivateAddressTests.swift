import Testing
import NudgeNet
@testable import NudgeDelivery

/// The address ranges the transport refuses when a request does not allow
/// private addresses.
@Suite struct PrivateAddressTests {
    static let refused: [(String, String)] = [
        ("127.0.0.1", "a loopback address"), ("127.255.0.9", "a loopback address"), ("::1", "a loopback address"),
        ("10.0.0.5", "a private address"), ("172.16.0.1", "a private address"), ("172.31.255.255", "a private address"),
        ("192.168.1.1", "a private address"), ("fec0::1", "a private address"),
        ("169.254.169.254", "a link-local address"), ("fe80::1", "a link-local address"), ("febf::1", "a link-local address"),
        ("fc00::1", "a unique local address"), ("fd12:3456::1", "a unique local address"),
        ("0.0.0.0", "an unspecified address"), ("0.1.2.3", "an unspecified address"), ("::", "an unspecified address"),
        ("100.64.0.1", "a shared address"), ("100.127.255.254", "a shared address"),
        ("224.0.0.1", "a multicast address"), ("ff02::1", "a multicast address"),
        ("240.0.0.1", "a reserved address"), ("255.255.255.255", "a reserved address"),
        ("::ffff:127.0.0.1", "a loopback address"), ("::ffff:10.1.2.3", "a private address"),
        ("::ffff:169.254.0.1", "a link-local address"), ("::ffff:0.0.0.0", "an unspecified address"),
        ("::127.0.0.1", "a loopback address"), ("64:ff9b::192.168.0.1", "a private address"),
    ]

    static let publicAddresses = [
        "8.8.8.8", "1.1.1.1", "172.15.255.255", "172.32.0.1", "192.169.0.1", "100.63.255.255", "100.128.0.1",
        "169.253.1.1", "11.0.0.1", "126.255.255.255", "128.0.0.1", "223.255.255.255",
        "2001:4860:4860::8888", "2a00:1450::1", "::ffff:8.8.8.8", "64:ff9b::8.8.8.8", "fe00::1", "fbff::1",
    ]

    @Test(arguments: refused)
    func nonPublicAddresses(address: String, kind: String) throws {
        let bytes = try #require(IPAddress.bytes(address))
        #expect(NonPublicAddress.kind(bytes) == kind)
    }

    @Test(arguments: publicAddresses)
    func publicAddressesPass(address: String) throws {
        let bytes = try #require(IPAddress.bytes(address))
        #expect(NonPublicAddress.kind(bytes) == nil)
    }

    @Test func onlyNumericAddressesAreRead() {
        #expect(IPAddress.bytes("localhost") == nil)
        #expect(IPAddress.bytes("10.0.0.5") == [10, 0, 0, 5])
        #expect(IPAddress.bytes("::1") == [UInt8](repeating: 0, count: 15) + [1])
        #expect(NonPublicAddress.kind([1, 2, 3]) == "not an IP address")
    }

    @Test func guardRemembersTheRefusal() {
        var addressGuard = AddressGuard(allowPrivateAddresses: false)
        let refused = addressGuard.admit(bytes: [10, 0, 0, 5], text: "10.0.0.5")
        #expect(!refused)
        #expect(addressGuard.failure == HTTPFailure(
            kind: .connect, message: "refusing to connect to 10.0.0.5: a private address (allow_private_addresses is off)",
            refusedAddress: "10.0.0.5"))
        // Another address of the host passed: a later failure is curl's to explain.
        let passed = addressGuard.admit(bytes: [8, 8, 8, 8], text: "8.8.8.8")
        #expect(passed)
        #expect(addressGuard.failure == nil)

        var allowing = AddressGuard(allowPrivateAddresses: true)
        let allowed = allowing.admit(bytes: [127, 0, 0, 1], text: "127.0.0.1")
        #expect(allowed)
        #expect(allowing.failure == nil)
    }
}
