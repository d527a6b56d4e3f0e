// swift-tools-version:6.0
// Nudge: an embeddable XEP-0357 push engine. Targets follow the layers of
// DESIGN.md; dependencies point one way, downwards.
import PackageDescription

let strict: [SwiftSetting] = [.unsafeFlags(["-warnings-as-errors"], .when(configuration: .debug))]
let hiddenC: [CSetting] = [.unsafeFlags(["-fvisibility=hidden"])]

let package = Package(
    name: "Nudge",
    products: [
        // libnudge.so: the only thing hosts load. Build it with
        // `-static-stdlib` (see Makefile) so hosts need no Swift runtime.
        .library(name: "nudge", type: .dynamic, targets: ["Nudge"]),
    ],
    targets: [
        // 1. C libraries (Debian -dev packages) and the public header.
        .systemLibrary(name: "CLMDB", path: "Sources/CLibraries/CLMDB"),
        .systemLibrary(name: "CExpat", path: "Sources/CLibraries/CExpat"),
        // C compiled into libnudge.so stays out of its dynamic symbols
        // (only the functions of nudge.h are exported: Sources/ABI/exports.map).
        .target(name: "CXMLGuard", dependencies: ["CExpat"], path: "Sources/CLibraries/CXMLGuard",
                cSettings: hiddenC),
        .systemLibrary(name: "CNudgeABI", path: "Sources/CLibraries/CNudgeABI"),
        .systemLibrary(name: "CPlatform", path: "Sources/CLibraries/CPlatform"),
        .systemLibrary(name: "COpenSSL", path: "Sources/CLibraries/COpenSSL"),
        .systemLibrary(name: "CCurl", path: "Sources/CLibraries/CCurl"),
        // libpq for the PostgreSQL store; its headers are not in /usr/include.
        .systemLibrary(name: "CPostgreSQL", path: "Sources/CLibraries/CPostgreSQL", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"])]),
        // A bounded check of LMDB's data file, before LMDB maps it.
        .target(name: "CStoreCheck", path: "Sources/CLibraries/CStoreCheck", cSettings: hiddenC),

        // Crypto on libcrypto: hashes, secrets, the vendors' JWTs, RFC 8291.
        // Below the engine, whose app server keeps secret digests.
        .target(name: "NudgeCrypto", dependencies: ["COpenSSL"], path: "Sources/Crypto",
                swiftSettings: strict),

        // 2. XML and XMPP vocabulary.
        .target(name: "NudgeXMPP", dependencies: ["CExpat", "CXMLGuard"], path: "Sources/XMPP",
                swiftSettings: strict),
        // 3. Store.
        .target(name: "NudgeStore", dependencies: ["CLMDB", "CStoreCheck", "CPostgreSQL"], path: "Sources/Store",
                swiftSettings: strict),
        // URLs and IP addresses from outside: which endpoints and addresses
        // are public. Below the app server (registration) and the transport
        // (connect time), so both refuse the same ones.
        .target(name: "NudgeNet", path: "Sources/Net", swiftSettings: strict),
        // 4. The sans-IO core: server side, app server, configuration. It
        // takes inputs and a store transaction and returns actions; it
        // cannot import the runtime, so it owns no thread, lock or clock.
        .target(name: "NudgeCore", dependencies: ["NudgeXMPP", "NudgeStore", "NudgeCrypto", "NudgeNet"], path: "Sources/Core",
                swiftSettings: strict),
        // 5. The runtime: the engine behind nudge.h, its writer thread,
        // event queue, locks and the system clock.
        .target(name: "NudgeRuntime", dependencies: ["NudgeCore", "NudgeXMPP", "NudgeStore", "NudgeCrypto", "CPlatform"], path: "Sources/Runtime",
                swiftSettings: strict),
        // 6. Delivery: the HTTP/2 transport on curl multi, the vendor
        // adapters, and the dispatcher that works off the outbox.
        .target(name: "NudgeDelivery", dependencies: ["NudgeCore", "NudgeStore", "NudgeXMPP", "NudgeCrypto", "NudgeNet", "CCurl", "CPlatform"],
                path: "Sources/Delivery", swiftSettings: strict),

        // 7. C ABI: wires the runtime and delivery together.
        // libnudge.so.0 (SONAME), exporting only nudge_* (exports.map).
        .target(name: "Nudge", dependencies: ["NudgeRuntime", "NudgeDelivery", "CNudgeABI"], path: "Sources/ABI",
                exclude: ["exports.map"],
                swiftSettings: strict,
                linkerSettings: [.unsafeFlags(["-Xlinker", "-soname=libnudge.so.0",
                                               "-Xlinker", "--version-script=\(Context.packageDirectory)/Sources/ABI/exports.map"])]),

        .testTarget(name: "XMPPTests", dependencies: ["NudgeXMPP"], path: "Tests/XMPPTests"),
        .testTarget(name: "StoreTests", dependencies: ["NudgeStore"], path: "Tests/StoreTests"),
        // The core's tests see only the core: no thread, lock or clock.
        .testTarget(name: "CoreTests", dependencies: ["NudgeCore"], path: "Tests/CoreTests"),
        .testTarget(name: "RuntimeTests", dependencies: ["NudgeRuntime"], path: "Tests/RuntimeTests"),
        .testTarget(name: "CryptoTests", dependencies: ["NudgeCrypto"], path: "Tests/CryptoTests"),
        .testTarget(name: "DeliveryTests", dependencies: ["NudgeDelivery", "NudgeNet"], path: "Tests/DeliveryTests"),
        .testTarget(name: "ABITests", dependencies: ["NudgeRuntime", "CNudgeABI"], path: "Tests/ABITests"),
    ]
)
