// swift-tools-version:5.9
import PackageDescription

// FCDDCore is the engine (NCHW float32 tensors, layers, networks, objectives, optimisers, IO).
// CBridge exports it as a C ABI (include/fcdd.h) in the shared library `fcdd`, which links the Swift
// standard library statically so that a plain `python3` can load it without a Swift toolchain.
let package = Package(
    name: "fcdd-swift",
    products: [
        .library(name: "fcdd", type: .dynamic, targets: ["CBridge"]),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CTurboJPEG", path: "Sources/CTurboJPEG", pkgConfig: "libturbojpeg",
                       providers: [.apt(["libturbojpeg0-dev"])]),
        .target(
            name: "FCDDCore",
            dependencies: ["CBLAS", "CPNG", "CZlib", "CTurboJPEG"],
            path: "Sources/FCDDCore",
            swiftSettings: [.unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release))]
        ),
        .target(
            name: "CBridge",
            dependencies: ["FCDDCore"],
            path: "Sources/CBridge",
            linkerSettings: [
                .unsafeFlags(["-static-stdlib", "-Xlinker", "-rpath=$ORIGIN"],
                             .when(configuration: .release)),
            ]
        ),
        .testTarget(
            name: "FCDDCoreTests",
            // zlib and TurboJPEG also write the gzip and JPEG files that the format tests read.
            dependencies: ["FCDDCore", "CZlib", "CTurboJPEG"],
            path: "Tests/FCDDCoreTests",
            exclude: ["Fixtures"]
        ),
    ]
)
