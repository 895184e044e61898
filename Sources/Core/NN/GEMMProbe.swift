import Foundation

/// The machine's attainable matrix-multiply rate through OUR kernel, the yardstick `lab bench`
/// divides executed FLOP rates by.
public enum GEMMProbe {
    /// Best of `repeats` square n x n x n products, in GFLOP/s, on Parallelism.threads threads.
    public static func peakGFLOPS(n: Int = 1536, repeats: Int = 5) -> Double {
        let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        var best = 0.0
        for _ in 0..<repeats {
            let t = Date()
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        GEMM.multiply(m: n, n: n, k: n, a: ap.baseAddress!, lda: n, b: bp.baseAddress!, ldb: n,
                                      c: cp.baseAddress!, ldc: n)
                    }
                }
            }
            best = max(best, 2 * Double(n * n * n) / Date().timeIntervalSince(t) / 1e9)
        }
        return best
    }
}
