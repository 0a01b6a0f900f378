// swift-tools-version:5.9
import PackageDescription
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Like -march=native for the vector code: when the machine that builds the engine has AVX2 and FMA
/// (x86-64 since 2013-2015), FCDDCore is compiled for it and FCDD_FMA selects the kernels that need
/// fused multiply-adds (Kernels/ThinConvolution.swift). FCDD_SWIFT_PORTABLE=1 builds for any x86-64.
func hostHasAVX2AndFMA() -> Bool {
    #if arch(x86_64) && os(Linux)
    if let portable = getenv("FCDD_SWIFT_PORTABLE"), String(cString: portable) == "1" { return false }
    guard let file = fopen("/proc/cpuinfo", "r") else { return false }
    defer { fclose(file) }
    var line: UnsafeMutablePointer<CChar>? = nil, capacity = 0
    defer { free(line) }
    while getline(&line, &capacity, file) > 0, let line {
        let text = String(cString: line)
        guard text.hasPrefix("flags") else { continue }
        let flags = Set(text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }))
        return flags.contains("avx2") && flags.contains("fma")
    }
    #endif
    return false
}

let vectorSettings: [SwiftSetting] = hostHasAVX2AndFMA()
    ? [.unsafeFlags(["-target-cpu", "haswell"]), .define("FCDD_FMA")] : []

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
        // The numeric kernels: loops over raw pointers whose sizes the engine has already checked. The only
        // code compiled without Swift's overflow and bounds checks, because bench/compare.py measured them
        // to cost speed there (README, "Safety and limits"); nothing in it reads files or outside sizes.
        .target(
            name: "FCDDKernels",
            dependencies: ["CBLAS"],
            path: "Sources/FCDDKernels",
            swiftSettings: [.unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release))] + vectorSettings
        ),
        // Everything else, readers of files and outside sizes included, keeps the checks.
        .target(
            name: "FCDDCore",
            dependencies: ["FCDDKernels", "CBLAS", "CPNG", "CZlib", "CTurboJPEG"],
            path: "Sources/FCDDCore",
            swiftSettings: [.unsafeFlags(["-wmo"], .when(configuration: .release))] + vectorSettings
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
            dependencies: ["FCDDCore", "FCDDKernels", "CZlib", "CTurboJPEG"],
            path: "Tests/FCDDCoreTests",
            exclude: ["Fixtures"]
        ),
    ]
)

// Fuzzing (Fuzz/, scripts/fuzz.sh): every reader of outside data fed raw bytes (FuzzReaders, which
// FuzzRegressionTests replays), and one libFuzzer executable per reader, built only when asked for with
// the sanitizer flags the script passes.
package.targets.append(.target(name: "FuzzReaders", dependencies: ["FCDDCore"], path: "Fuzz/Readers"))
package.targets.first { $0.name == "FCDDCoreTests" }!.dependencies.append("FuzzReaders")
if let fuzz = getenv("FCDD_SWIFT_FUZZ"), String(cString: fuzz) == "1" {
    package.targets.append(.target(name: "FuzzSupport", path: "Fuzz/Support"))
    // One executable per folder of Fuzz/Harnesses (FuzzRegressionTests checks FuzzReaders.names against them).
    let harnessFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fuzz/Harnesses").path
    for harness in ((try? FileManager.default.contentsOfDirectory(atPath: harnessFolder)) ?? []).sorted() {
        package.targets.append(.executableTarget(name: harness, dependencies: ["FuzzReaders", "FuzzSupport"],
                                                 path: "Fuzz/Harnesses/\(harness)"))
    }
}
