import Foundation

/// The machine's attainable matrix-multiply rate through OUR kernel, the yardstick `lab bench`
/// divides executed FLOP rates by.
public enum GEMMProbe {
    /// The kernel's attainable rate, in GFLOP/s: every one of Parallelism.threads workers runs
    /// cache-resident 48 x 128 x 128 products (the size of Winograd's per-block products) back to back
    /// on operands of its own; best of `repeats`. This is the ceiling the engine's products can reach;
    /// a large square product (`rate(m:n:k:)`) also pays for memory traffic.
    public static func peakGFLOPS(repeats: Int = 5) -> Double {
        let (m, n, k, calls) = (48, 128, 128, 400)
        let workers = Parallelism.threads
        let a = [Float](repeating: 0.5, count: workers * m * k), b = [Float](repeating: 0.25, count: workers * k * n)
        var c = [Float](repeating: 0, count: workers * m * n)
        var best = 0.0
        for _ in 0..<repeats {
            let t = Date()
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        let (ap, bp, cp) = (ap.baseAddress!, bp.baseAddress!, cp.baseAddress!)
                        Parallelism.run(workers) { w in
                            for _ in 0..<calls {
                                GEMM.serial(m: m, n: n, k: k, a: ap + w * m * k, lda: k, b: bp + w * k * n, ldb: n, c: cp + w * m * n, ldc: n)
                            }
                        }
                    }
                }
            }
            best = max(best, 2 * Double(m * n * k * calls * workers) / Date().timeIntervalSince(t) / 1e9)
        }
        return best
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
