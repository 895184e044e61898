import ArgumentParser
import Core
import Foundation

struct BenchGEMMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm",
        abstract: "Our SGEMM's rate: a large square product, and the small products Winograd runs.",
        discussion: """
        Prints GFLOP/s for the kernel's peak (cache-resident products on every thread: the yardstick \
        of `lab bench train`), for an n x n x n product split over --threads, and for the per-block \
        products of the reference CNN's Winograd layers on one thread (M = V·Uᵀ forward, dU += dMᵀ·V, \
        dV = dM·U), on the kernel path in use. Set LAB_KERNELS=avx2 or avx512 to compare paths on \
        one machine; bench/sgemm_peak measures the same machine with OpenBLAS.

        Examples:
          lab bench gemm
          LAB_KERNELS=avx2 lab bench gemm --threads 1
          lab bench gemm --n 2048 --repeats 9
        """
    )

    @Option(help: "Side of the square product.") var n = 1536
    @Option(help: "Threads for the square product.") var threads = 2
    @Option(help: "Timings per shape; the best is printed.") var repeats = 5

    func validate() throws {
        guard n >= 16, n <= 8192, threads >= 1, repeats >= 1 else {
            throw ValidationError("--n must be 16...8192; --threads and --repeats at least 1")
        }
    }

    func run() throws {
        Parallelism.setThreads(threads)
        print("kernels: \(KernelPath.current.description)")
        print(String(format: "peak (48x128x128 in cache, on each of %d threads): %7.1f GFLOP/s", threads,
                     GEMMProbe.peakGFLOPS(repeats: repeats)))
        print(String(format: "square %dx%dx%d, split over %d threads:  %7.1f GFLOP/s", n, n, n, threads,
                     GEMMProbe.rate(m: n, n: n, k: n, repeats: repeats, serial: false)))
        // Blocks 2 (44 tiles a block, 32 -> 64 channels) and 3 (45 tiles, 64 -> 128) of the reference CNN.
        let shapes: [(String, Int, Int, Int, Bool)] = [
            ("M = V·Uᵀ     44x64x32", 44, 64, 32, false), ("M = V·Uᵀ     45x128x64", 45, 128, 64, false),
            ("dU += dMᵀ·V  64x32x44", 64, 32, 44, true), ("dU += dMᵀ·V  128x64x45", 128, 64, 45, true),
            ("dV = dM·U    44x32x64", 44, 32, 64, false), ("dV = dM·U    45x64x128", 45, 64, 128, false),
        ]
        for (name, m, n, k, transA) in shapes {
            let calls = max(1, 200_000_000 / (2 * m * n * k))
            print(String(format: "%@  1 thread: %7.1f GFLOP/s", name,
                         GEMMProbe.rate(m: m, n: n, k: k, transA: transA, repeats: repeats, serial: true, calls: calls)))
        }
    }
}
