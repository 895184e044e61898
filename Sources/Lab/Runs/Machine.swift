import CPUCheck
import Core
import Foundation
import Plot

/// What machine a run or a report was made on: enough to tell why two machines' numbers differ.
/// Recorded in every manifest and in results.json, and never compared by `lab verify`.
public struct MachineDescription: Codable, Equatable, Sendable {
    public var cpu: String
    /// The CPU's vector and bit-manipulation flags (sse4_2, avx, avx2, fma, avx512*, ...).
    public var cpuFlags: [String]
    public var os: String
    public var kernel: String
    public var toolchain: String
    /// "x86-64-v3" (the normal build) or "x86-64 baseline" (`make baseline`).
    public var build: String
    /// The engine's kernel path, KernelPath.rawValue: "avx2", "avx512" or "sse2" (absent before it was
    /// recorded). Chosen from the CPU and LAB_KERNELS; it never changes a number.
    public var kernels: String?
    public var libraries: [String: String]
    /// The codelets FFTW chose for the 2048-point STFT, and soxr's resampling engine.
    public var fftwPlan: String
    public var soxrEngine: String
    /// SHA-256 per library ("fftw", "soxr", "elementary") of its results on a fixed battery
    /// (NumericEnvironment.probes). Absent in reports written before lab had its own elementary functions.
    public var probes: [String: String]?
    /// The single probe of those older reports, over libm, FFTW and soxr together.
    public var libraryProbe: String?
    /// Variables that could steer a library's code path, when set (GLIBC_TUNABLES, SOXR_*, ...).
    public var environment: [String: String]

    /// This machine, running the engine on `kernels` (the ExecutionContext's).
    public static func current(kernels: KernelPath) -> MachineDescription {
        var machine = probed
        machine.kernels = kernels.rawValue
        return machine
    }

    /// What does not depend on the engine's context, probed once per process.
    private static let probed: MachineDescription = {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let line = cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") } ?? ""
        let wanted: Set<String> = ["sse2", "sse4_1", "sse4_2", "avx", "avx2", "fma", "fma4", "f16c", "bmi1", "bmi2", "abm", "movbe",
                                   "popcnt"]
        let flags = line.split(separator: ":").dropFirst().first?.split(separator: " ").map(String.init)
            .filter { wanted.contains($0) || $0.hasPrefix("avx512") } ?? []
        func field(_ name: String) -> String? {
            cpuinfo.split(separator: "\n").first { $0.hasPrefix(name) }
                .flatMap { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } }
        }
        var brand = String(cString: lab_cpu_brand())
        if brand.isEmpty { brand = field("model name") ?? "unknown" }
        // Family and model tell CPU generations apart where a VM's brand string does not (AMD family 25:
        // model 0-15 Zen 3, 16-31 and 96-127 Zen 4).
        brand += " (\(field("vendor_id") ?? "?") family \(field("cpu family") ?? "?") model \(field("model\t") ?? field("model ") ?? "?"))"
        var un = utsname()
        uname(&un)
        let kernel = withUnsafeBytes(of: &un.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let machine = withUnsafeBytes(of: &un.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let osRelease = (try? String(contentsOfFile: "/etc/os-release", encoding: .utf8)) ?? ""
        let os = osRelease.split(separator: "\n").first { $0.hasPrefix("PRETTY_NAME=") }
            .map { String($0.dropFirst(12)).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) } ?? "unknown"
        let env = ProcessInfo.processInfo.environment.filter { k, _ in
            k == "GLIBC_TUNABLES" || k.hasPrefix("SOXR_") || k.hasPrefix("FFTW") || k.hasPrefix("OPENBLAS_") || k == "LD_PRELOAD"
        }
        return MachineDescription(
            cpu: brand, cpuFlags: flags, os: os, kernel: "\(kernel) \(machine)", toolchain: swiftVersion, build: buildTarget,
            kernels: nil,
            libraries: NumericEnvironment.libraryVersions().merging(PlotLibraries.versions()) { a, _ in a },
            fftwPlan: NumericEnvironment.fftwPlan(), soxrEngine: NumericEnvironment.soxrEngine(),
            probes: NumericEnvironment.probes(), libraryProbe: nil, environment: env)
    }()

    /// Which layer moved between the machine that wrote a report (`self`) and this one: one line per
    /// library whose probe differs, naming what else differs about it (version, plan, engine).
    public func causes(comparedWith rerun: MachineDescription) -> [String] {
        guard let mine = probes, let theirs = rerun.probes else {
            return ["the committed report was written by a lab that computed exp, log, sin and the like through the C library "
                    + "(libm), whose results differ between glibc releases: regenerate the report once with this lab and commit it"]
        }
        var causes: [String] = []
        for (name, hash) in mine.sorted(by: { $0.key < $1.key }) where theirs[name] != nil && theirs[name] != hash {
            switch name {
            case "fftw":
                var detail = [libraries["fftw"] == rerun.libraries["fftw"] ? "the same version \(libraries["fftw"] ?? "?")"
                              : "version \(libraries["fftw"] ?? "?") there, \(rerun.libraries["fftw"] ?? "?") here"]
                if fftwPlan != rerun.fftwPlan { detail.append("plan \(fftwPlan) there, \(rerun.fftwPlan) here") }
                causes.append("FFTW computes different bits here than on the machine that wrote the report ("
                              + detail.joined(separator: "; ") + "): a build of FFTW with other codelets or compiler flags")
            case "soxr":
                causes.append("soxr resamples to different bits here (engine \(soxrEngine) there, \(rerun.soxrEngine) here, "
                              + "version \(libraries["soxr"] ?? "?") there, \(rerun.libraries["soxr"] ?? "?") here)")
            case "elementary":
                causes.append("lab's own elementary functions give different bits here: a compiler or CPU broke IEEE arithmetic "
                              + "(build \(build) there, \(rerun.build) here); please report it")
            default:
                causes.append("\(name) differs from the report's")
            }
        }
        if causes.isEmpty {
            causes.append("every library probe (FFTW, soxr, lab's elementary functions) equals the report's: the difference is in "
                          + "lab itself or in the input data, not in the C libraries")
        }
        return causes
    }

    /// One line per field, for `lab verify`'s mismatch report.
    public var lines: [String] {
        ["cpu: \(cpu)", "cpu flags: \(cpuFlags.joined(separator: " "))", "os: \(os), kernel \(kernel)",
         "toolchain: \(toolchain), build \(build), kernels \(kernels ?? "not recorded")",
         "libraries: " + libraries.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
         "fftw plan: \(fftwPlan)", "soxr engine: \(soxrEngine)",
         probes.map { "probes: " + $0.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.prefix(16))" }.joined(separator: ", ") }
            ?? "libm/FFTW/soxr probe: \(libraryProbe ?? "not recorded")",
         "environment: " + (environment.isEmpty ? "none of GLIBC_TUNABLES, SOXR_*, FFTW*, LD_PRELOAD set"
                            : environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))]
    }
}

/// The compiler that built this binary (Swift has no run-time query for it).
private let swiftVersion: String = {
    #if compiler(>=7.0)
    return "Swift >= 7.0"
    #elseif compiler(>=6.3)
    return "Swift 6.3"
    #elseif compiler(>=6.2)
    return "Swift 6.2"
    #elseif compiler(>=6.1)
    return "Swift 6.1"
    #else
    return "Swift < 6.1"
    #endif
}()

private let buildTarget: String = {
    #if arch(x86_64)
    #if LAB_BASELINE
    return "x86-64 baseline (SSE2)"
    #else
    return "x86-64-v3 (AVX2, FMA)"
    #endif
    #else
    return "not x86-64"
    #endif
}()
