import Foundation
import Kernels

/// Which vector kernels the engine's matrix products run on. Chosen once, at start-up, from the CPU
/// and `LAB_KERNELS`, and carried by the ExecutionContext. The path changes how many elements are computed together, never the order of
/// any sum, so every path gives the same bits (GEMMTests, `make baseline-check`); it is recorded in
/// the manifest's machine block, never in a number.
public enum KernelPath: String, Sendable, CaseIterable {
    /// Swift's SIMD code built for the SSE2 baseline (`LAB_BASELINE=1`): 4 lanes, FMA in software.
    case baseline = "sse2"
    /// Swift's SIMD8 kernels, built for x86-64-v3: 8 lanes, hardware FMA.
    case avx2
    /// The C kernels in Sources/Kernels, 16 lanes, on CPUs with AVX-512F.
    case avx512

    /// What this build runs unless told otherwise.
    public static var best: KernelPath {
        #if LAB_BASELINE
        return .baseline
        #else
        return cpuHasAVX512 ? .avx512 : .avx2
        #endif
    }

    public static var cpuHasAVX512: Bool { lab_cpu_has_avx512() == 1 }

    /// The path `LAB_KERNELS` asks for (`auto`, unset or empty: the best this CPU and build have).
    /// Throws a one-line reason for a value this build or CPU cannot honour.
    public static func requested(_ value: String?) throws -> KernelPath {
        let v = (value ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        if v.isEmpty || v == "auto" { return best }
        guard let path = KernelPath(rawValue: v) else {
            throw KernelPathError("LAB_KERNELS=\(value ?? "") is not one of auto, avx2, avx512")
        }
        #if LAB_BASELINE
        if path != .baseline { throw KernelPathError("LAB_KERNELS=\(v): this is the SSE2 baseline build, which has only its own kernels") }
        #else
        if path == .baseline { throw KernelPathError("LAB_KERNELS=sse2: build the baseline instead (`LAB_BASELINE=1 swift build -c "
                + "release --manifest-cache none`)") }
        if path == .avx512 && !cpuHasAVX512 { throw KernelPathError("LAB_KERNELS=avx512: this CPU has no AVX-512F (or its OS does not "
                + "save the ZMM registers)") }
        #endif
        return path
    }

    /// A line for the manifest and `lab bench`: the path, and why.
    public var description: String {
        switch self {
        case .baseline: return "sse2 (baseline build: 4 lanes, software FMA)"
        case .avx2: return "avx2 (8 lanes)" + (KernelPath.cpuHasAVX512 ? "; AVX-512 present but not used" : "")
        case .avx512: return "avx512 (16 lanes)"
        }
    }
}

public struct KernelPathError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}
