// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Lvze",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "lvze", targets: ["lvze"]),
        .library(name: "LvzeCore", targets: ["LvzeCore"]),
        .library(name: "LvzeOffice", targets: ["LvzeOffice"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/vapor/leaf.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/leaf-kit.git", from: "1.14.3"),
        // Multipart forms parsed once a request (Vapor's own decoder parses the body per field).
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        // HTTPS served by Lvze itself; Vapor already builds it.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // Tests only: a certificate made at test time, and a client that trusts it.
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        .target(
            name: "LvzeCore",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "LvzeOffice",
            dependencies: [
                "LvzeCore",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        .target(
            name: "LvzeServer",
            dependencies: [
                "LvzeCore",
                "LvzeOffice",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "Leaf", package: "leaf"),
                .product(name: "LeafKit", package: "leaf-kit"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "MultipartKit", package: "multipart-kit"),
            ],
            resources: [.copy("Resources")]
        ),
        // The demo district: writes through the server's models and bulk insert, kept out of it.
        .target(
            name: "LvzeDemo",
            dependencies: ["LvzeServer", "LvzeCore", .product(name: "Vapor", package: "vapor"), .product(name: "Fluent", package: "fluent")]
        ),
        .executableTarget(
            name: "lvze",
            dependencies: ["LvzeServer", "LvzeDemo"]
        ),
        .testTarget(
            name: "LvzeCoreTests",
            dependencies: ["LvzeCore", "LvzeOffice"]
        ),
        .testTarget(
            name: "LvzeOfficeTests",
            dependencies: ["LvzeOffice", "LvzeCore", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "LvzeServerTests",
            dependencies: [
                "LvzeServer",
                "LvzeDemo",
                .product(name: "XCTVapor", package: "vapor"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            // Page snapshots are read from the source tree (#filePath), not from the bundle.
            exclude: ["__Snapshots__"],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
