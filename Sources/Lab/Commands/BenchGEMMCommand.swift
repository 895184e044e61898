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
        try GEMMBenchmark(n: n, threads: threads, repeats: repeats).run()
    }
}
