// swift-tools-version:5.10
// GenreLab: `lab`, a reproducible music-genre classification study.
// Arrows point one way: LabMain -> Lab, Lab -> Core, Lab -> Plot, Lab -> Numerics, Lab -> CPUCheck, Lab -> Allocator,
// Core -> Numerics, Core -> Kernels, Core -> System, Plot -> Numerics, Plot -> System.
import PackageDescription

/// A C library found through pkg-config, installed from Debian.
func system(_ name: String, pkg: String, apt: String) -> Target {
    .systemLibrary(name: name, path: "Sources/System/\(name)", pkgConfig: pkg, providers: [.apt([apt])])
}

/// Core's hot loops are written with SIMD8 and explicit FMAs; on x86-64 they are compiled for x86-64-v3
/// (Haswell: AVX2 and FMA, every x86 server CPU since 2013). `lab` checks the CPU at start-up.
/// `LAB_BASELINE=1` builds for the SSE2 baseline instead (4-lane vectors, FMA done in software, which
/// IEEE 754 rounds the same way): `make baseline-check` shows its results are the same bits.
/// No FMA contraction is enabled anywhere: every FMA is one our code wrote.
let baseline = Context.environment["LAB_BASELINE"] != nil
#if arch(x86_64)
let vectorFlags = baseline ? [] : ["-target-cpu", "haswell"]
#else
let vectorFlags: [String] = []
#endif

let package = Package(
    name: "GenreLab",
    products: [
        .executable(name: "lab", targets: ["LabMain"]),
        .library(name: "Core", targets: ["Core"]),
        .library(name: "Plot", targets: ["Plot"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
    ],
    targets: [
        system("CSndfile", pkg: "sndfile", apt: "libsndfile1-dev"),
        system("CFFTW3", pkg: "fftw3f", apt: "libfftw3-dev"),
        system("CPNG", pkg: "libpng", apt: "libpng-dev"),
        system("CZlib", pkg: "zlib", apt: "zlib1g-dev"),
        system("CSoxr", pkg: "soxr", apt: "libsoxr-dev"),
        system("CFreeType", pkg: "freetype2", apt: "libfreetype-dev"),

        // The AVX-512 kernels: C with a per-function target, chosen at run time (KernelPath.swift).
        // No FMA contraction: every FMA is one the source wrote.
        .target(name: "Kernels", path: "Sources/Kernels",
                cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off"])]),
        // Our own elementary functions (exp, log, pow, sin, tanh, ...): no libm on a reported path.
        // Its own target, not a folder of Core, because Plot needs them too and never imports Core.
        .target(name: "Numerics", swiftSettings: [.unsafeFlags(["-O"] + vectorFlags)]),
        .target(
            name: "Core",
            dependencies: [
                "Numerics", "CSndfile", "CFFTW3", "CSoxr", "Kernels",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // Hot loops write disjoint elements from several threads; the runtime exclusivity
            // checks cost more than they protect there.
            swiftSettings: [.unsafeFlags(["-O", "-enforce-exclusivity=unchecked"] + vectorFlags)]
                + (baseline ? [.define("LAB_BASELINE")] : [])
        ),
        .target(name: "Plot", dependencies: ["Numerics", "CPNG", "CZlib", "CFreeType"],
                swiftSettings: [.unsafeFlags(["-O"])]),
        .target(
            name: "Lab",
            dependencies: [
                "Core", "Plot", "CPUCheck", "Allocator", "Numerics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: baseline ? [.define("LAB_BASELINE")] : []
        ),
        // Compiled for the baseline x86-64, so it can tell an older CPU what is missing.
        .target(name: "CPUCheck", path: "Sources/CPUCheck"),
        .target(name: "Allocator", path: "Sources/Allocator"),
        .executableTarget(name: "LabMain", dependencies: ["Lab", "Core", "CPUCheck"],
                          swiftSettings: baseline ? [.define("LAB_BASELINE")] : []),

        .testTarget(name: "NumericsTests", dependencies: ["Numerics"]),
        .testTarget(name: "CoreTests", dependencies: ["Core", "Numerics"]),
        .testTarget(name: "PlotTests", dependencies: ["Plot", "CPNG"]),
        .testTarget(name: "LabTests", dependencies: ["Lab", "Core", "Plot", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    ]
)
