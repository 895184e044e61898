import Foundation

/// The machine's attainable matrix-multiply rate through OUR kernel, the yardstick `lab bench`
/// divides executed FLOP rates by.
public enum GEMMProbe {
    /// The kernel's attainable rate, in GFLOP/s: every one of the context's threads runs
    /// cache-resident 48 x 128 x 128 products (the size of Winograd's per-block products) back to back
    /// on operands of its own; best of `repeats`. This is the ceiling the engine's products can reach;
    /// a large square product (`rate(m:n:k:)`) also pays for memory traffic.
    public static func peakGFLOPS(on context: ExecutionContext, repeats: Int = 5) -> Double {
        let (m, n, k, calls) = (48, 128, 128, 400)
        let workers = context.threads
        return best(of: repeats, flops: 2 * Double(m * n * k * calls * workers),
                    a: workers * m * k, b: workers * k * n, c: workers * m * n) { a, b, c in
            context.run(workers) { w in
                for _ in 0..<calls {
                    GEMM.serial(kernels: context.kernels, m: m, n: n, k: k, a: a + w * m * k, lda: k, b: b + w * k * n, ldb: n,
                                c: c + w * m * n, ldc: n)
                }
            }
        }
    }

    /// Best of `repeats` products of one shape, in GFLOP/s: split over threads by `GEMM.multiply`,
    /// or `serial` on the calling thread, as Winograd's small per-block products run (then `calls`
    /// products back to back, on operands that stay in cache, per timing).
    public static func rate(on context: ExecutionContext, m: Int, n: Int, k: Int, transA: Bool = false, repeats: Int = 5, serial: Bool,
                            calls: Int = 1) -> Double {
        best(of: repeats, flops: 2 * Double(m * n * k * (serial ? calls : 1)), a: m * k, b: k * n, c: m * n) { a, b, c in
            let lda = transA ? m : k
            if serial {
                for _ in 0..<calls { GEMM.serial(kernels: context.kernels, transA: transA, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: n,
                                                 c: c, ldc: n) }
            } else {
                GEMM.multiply(on: context, transA: transA, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: n, c: c, ldc: n)
            }
        }
    }

    /// The best rate of `repeats` timings of `body` on operands of a, b and c floats.
    private static func best(of repeats: Int, flops: Double, a: Int, b: Int, c: Int,
                             _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> Double {
        let a = [Float](repeating: 0.5, count: a), b = [Float](repeating: 0.25, count: b)
        var c = [Float](repeating: 0, count: c)
        var best = 0.0
        for _ in 0..<repeats {
            let t = Date()
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in body(ap.baseAddress!, bp.baseAddress!, cp.baseAddress!) }
                }
            }
            best = max(best, flops / Date().timeIntervalSince(t) / 1e9)
        }
        return best
    }
}
