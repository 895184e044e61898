import Core
import Foundation

/// `lab bench gemm`: our SGEMM's rate: a large square product, and the small products Winograd runs.
struct GEMMBenchmark {
    let n: Int
    let threads: Int
    let repeats: Int

    func run() throws {
        let context = try ExecutionContext.fromEnvironment(threads: threads)
        print("kernels: \(context.kernels.description)")
        print(String(format: "peak (48x128x128 in cache, on each of %d threads): %7.1f GFLOP/s", threads,
                     GEMMProbe.peakGFLOPS(on: context, repeats: repeats)))
        print(String(format: "square %dx%dx%d, split over %d threads:  %7.1f GFLOP/s", n, n, n, threads,
                     GEMMProbe.rate(on: context, m: n, n: n, k: n, repeats: repeats, serial: false)))
        // Blocks 2 (44 tiles a block, 32 -> 64 channels) and 3 (45 tiles, 64 -> 128) of the reference CNN.
        let shapes: [(String, Int, Int, Int, Bool)] = [
            ("M = V·Uᵀ     44x64x32", 44, 64, 32, false), ("M = V·Uᵀ     45x128x64", 45, 128, 64, false),
            ("dU += dMᵀ·V  64x32x44", 64, 32, 44, true), ("dU += dMᵀ·V  128x64x45", 128, 64, 45, true),
            ("dV = dM·U    44x32x64", 44, 32, 64, false), ("dV = dM·U    45x64x128", 45, 64, 128, false),
        ]
        for (name, m, n, k, transA) in shapes {
            let calls = max(1, 200_000_000 / (2 * m * n * k))
            print(String(format: "%@  1 thread: %7.1f GFLOP/s", name,
                         GEMMProbe.rate(on: context, m: m, n: n, k: k, transA: transA, repeats: repeats, serial: true, calls: calls)))
        }
    }
}
