import Core
@testable import Lab
import XCTest

/// `lab verify` names the layer that moved from the machines' library probes.
final class MachineTests: XCTestCase {
    static func machine(probes: [String: String]?, plan: String = "(rdft2-ct-dit/32 \"hc2cf_32\")",
                        fftw: String = "fftw-3.3.10-sse2-avx") -> MachineDescription {
        MachineDescription(cpu: "AMD EPYC", cpuFlags: ["avx2", "fma"], os: "Debian GNU/Linux 12 (bookworm)", kernel: "6.1 x86_64",
                           toolchain: "Swift 6.3", build: "x86-64-v3 (AVX2, FMA)", kernels: "avx2",
                           libraries: ["fftw": fftw, "soxr": "libsoxr-0.1.3"], fftwPlan: plan, soxrEngine: "cr32s",
                           probes: probes, libraryProbe: probes == nil ? "abc" : nil, environment: [:])
    }

    static let probes = ["fftw": "f1", "soxr": "s1", "elementary": "e1"]

    func testAnOtherFFTWBuildIsNamedWithItsPlan() {
        var moved = Self.probes
        moved["fftw"] = "f2"
        let causes = Self.machine(probes: Self.probes)
            .causes(comparedWith: Self.machine(probes: moved, plan: "(rdft2-ct-dit/16 \"hc2cfdftv_8_avx2\")",
                                               fftw: "fftw-3.3.10-sse2-avx-avx2"))
        XCTAssertEqual(causes.count, 1, "\(causes)")
        XCTAssertTrue(causes[0].hasPrefix("FFTW computes different bits here"), causes[0])
        XCTAssertTrue(causes[0].contains("hc2cf_32") && causes[0].contains("hc2cfdftv_8_avx2"), causes[0])
        XCTAssertTrue(causes[0].contains("version fftw-3.3.10-sse2-avx there, fftw-3.3.10-sse2-avx-avx2 here"), causes[0])
    }

    func testEqualProbesClearTheLibraries() {
        let causes = Self.machine(probes: Self.probes).causes(comparedWith: Self.machine(probes: Self.probes))
        XCTAssertEqual(causes.count, 1)
        XCTAssertTrue(causes[0].hasPrefix("every library probe"), causes[0])
    }

    func testSoxrAndOurOwnFunctionsAreNamed() {
        var moved = Self.probes
        moved["soxr"] = "s2"
        moved["elementary"] = "e2"
        let causes = Self.machine(probes: Self.probes).causes(comparedWith: Self.machine(probes: moved))
        XCTAssertEqual(causes.count, 2, "\(causes)")
        XCTAssertTrue(causes.contains { $0.hasPrefix("lab's own elementary functions give different bits") }, "\(causes)")
        XCTAssertTrue(causes.contains { $0.hasPrefix("soxr resamples to different bits") }, "\(causes)")
    }

    func testAReportFromBeforeOurOwnFunctionsIsNamed() {
        let causes = Self.machine(probes: nil).causes(comparedWith: Self.machine(probes: Self.probes))
        XCTAssertEqual(causes.count, 1)
        XCTAssertTrue(causes[0].contains("(libm)") && causes[0].contains("regenerate the report once"), causes[0])
    }

    /// The probes themselves: one per library, the same on every call.
    func testProbesAreStable() {
        let a = NumericEnvironment.probes(), b = NumericEnvironment.probes()
        XCTAssertEqual(Set(a.keys), ["fftw", "soxr", "elementary"])
        XCTAssertEqual(a, b)
        XCTAssertTrue(a.values.allSatisfy { $0.count == 64 })
        // Our own functions are the same bits on every machine, build and kernel path: the hash the
        // release build wrote into the committed reports' manifests on AMD EPYC Zen 4.
        XCTAssertEqual(a["elementary"], "8deffc1816ed0e0512576fa2cf270573f63716fcfde54d23c7164bd7ca7b6aa4")
    }
}
