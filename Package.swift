// swift-tools-version:6.1
import PackageDescription

// Data flows one way: files → model → latent state → decoded image → cells → terminal.
// Each arrow is a module; the C libraries sit behind thin system-library targets.
let package = Package(
    name: "LatentExplorer",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "latent", targets: ["latent"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // MARK: C libraries (system packages, installed by scripts/ensure-deps.sh)
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CFloatEnv", path: "Sources/CFloatEnv"),
        .systemLibrary(name: "CNCursesW", path: "Sources/CNCursesW",
                       providers: [.apt(["libncurses-dev"])]),

        // MARK: Swift modules
        .target(name: "LatentCore", dependencies: ["COpenBLAS", "CFloatEnv"]),
        .target(name: "LatentIO", dependencies: ["LatentCore", "CZlib", "CPNG"]),
        .target(name: "LatentNN", dependencies: ["LatentCore", "LatentIO", "LatentProjection"]),
        .target(name: "LatentProjection", dependencies: ["LatentCore", "COpenBLAS"]),
        .target(name: "TermRender"),
        .target(name: "ExplorerApp", dependencies: ["TermRender", "LatentNN", "LatentIO", "LatentCore", "LatentProjection"]),
        .target(name: "TerminalBackend", dependencies: ["CNCursesW", "TermRender", "ExplorerApp"]),
        .executableTarget(name: "latent", dependencies: [
            "LatentCore", "LatentIO", "LatentNN", "LatentProjection", "TermRender", "ExplorerApp", "TerminalBackend",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // MARK: Tests
        .testTarget(name: "LatentCoreTests", dependencies: ["LatentCore"]),
        .testTarget(name: "LatentIOTests", dependencies: ["LatentIO", "LatentCore", "CPNG"], exclude: ["Fixtures"]),
        .testTarget(name: "LatentNNTests", dependencies: ["LatentNN", "LatentIO", "LatentCore"], exclude: ["Fixtures"]),
        .testTarget(name: "LatentProjectionTests", dependencies: ["LatentProjection", "LatentCore"]),
        .testTarget(name: "LatentCLITests", dependencies: ["latent", "LatentCore"]),
        .testTarget(name: "TermRenderTests", dependencies: ["TermRender"]),
        .testTarget(name: "ExplorerAppTests", dependencies: ["ExplorerApp", "TermRender", "LatentNN", "LatentIO"]),
        .testTarget(name: "TerminalBackendTests", dependencies: ["TerminalBackend", "TermRender", "ExplorerApp"]),
    ]
)
