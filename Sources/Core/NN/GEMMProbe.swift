import Foundation

/// The machine's attainable matrix-multiply rate through OUR kernel, the yardstick `lab bench`
/// divides executed FLOP rates by.
public enum GEMMProbe {
    /// Best of `repeats` square n x n x n products, in GFLOP/s, on Parallelism.threads threads.
    public static func peakGFLOPS(n: Int = 1536, repeats: Int = 5) -> Double {
        rate(m: n, n: n, k: n, repeats: repeats, serial: false)
    }

    /// Best of `repeats` products of one shape, in GFLOP/s: split over threads by `GEMM.multiply`,
    /// or `serial` on the calling thread, as Winograd's small per-block products run (then `calls`
    /// products back to back, on operands that stay in cache, per timing).
    public static func rate(m: Int, n: Int, k: Int, transA: Bool = false, repeats: Int = 5, serial: Bool, calls: Int = 1) -> Double {
        let a = [Float](repeating: 0.5, count: m * k), b = [Float](repeating: 0.25, count: k * n)
        var c = [Float](repeating: 0, count: m * n)
        var best = 0.0
        for _ in 0..<repeats {
            let t = Date()
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        let (ap, bp, cp) = (ap.baseAddress!, bp.baseAddress!, cp.baseAddress!)
                        if serial {
                            for _ in 0..<calls {
                                GEMM.serial(transA: transA, m: m, n: n, k: k, a: ap, lda: transA ? m : k, b: bp, ldb: n, c: cp, ldc: n)
                            }
                        } else {
                            GEMM.multiply(transA: transA, m: m, n: n, k: k, a: ap, lda: transA ? m : k, b: bp, ldb: n, c: cp, ldc: n)
                        }
                    }
                }
            }
            best = max(best, 2 * Double(m * n * k * (serial ? calls : 1)) / Date().timeIntervalSince(t) / 1e9)
        }
        return best
    }
}
