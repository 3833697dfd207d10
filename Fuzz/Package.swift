// swift-tools-version:6.0
// libFuzzer targets for the spreadsheet readers of LvzeOffice. Built apart from the main package:
//   swift build -c debug --sanitize=fuzzer --sanitize=address --package-path Fuzz --scratch-path .build-fuzz
// or simply Fuzz/run.sh [SECONDS]. See Fuzz/README.md.
import PackageDescription

let fuzzer: [SwiftSetting] = [
    // The fuzzers call internal parsers (XMLScanner, XLSXSheetParser, CSVParser) through
    // `@testable import`, which debug builds allow.
    .unsafeFlags(["-parse-as-library"]),
]

let package = Package(
    name: "LvzeFuzz",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(path: ".."),
    ],
    targets: [
        .target(
            name: "FuzzSupport",
            dependencies: [.product(name: "LvzeOffice", package: "main"), .product(name: "LvzeCore", package: "main")]
        ),
        .executableTarget(
            name: "FuzzXLSX",
            dependencies: ["FuzzSupport", .product(name: "LvzeOffice", package: "main")],
            swiftSettings: fuzzer
        ),
        .executableTarget(
            name: "FuzzSheet",
            dependencies: ["FuzzSupport", .product(name: "LvzeOffice", package: "main")],
            swiftSettings: fuzzer
        ),
        .executableTarget(
            name: "FuzzXML",
            dependencies: ["FuzzSupport", .product(name: "LvzeOffice", package: "main")],
            swiftSettings: fuzzer
        ),
        .executableTarget(
            name: "FuzzCSV",
            dependencies: ["FuzzSupport", .product(name: "LvzeOffice", package: "main")],
            swiftSettings: fuzzer
        ),
        // Not a fuzzer: reads one file as the importer does and prints time and peak memory, to
        // measure a reproducer in a release build (`swift build -c release --product ReadProbe`).
        .executableTarget(
            name: "ReadProbe",
            dependencies: ["FuzzSupport", .product(name: "LvzeOffice", package: "main")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
