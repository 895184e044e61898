/// A plain square SGEMM for benchmarks that measure the machine's peak through the same library.
public enum BLASProbe {
    public static func sgemm(n: Int, a: [Float], b: [Float], c: inout [Float]) {
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    BLAS.sgemm(m: n, n: n, k: n, a: ap.baseAddress!, lda: n, b: bp.baseAddress!, ldb: n, c: cp.baseAddress!, ldc: n)
                }
            }
        }
    }
}
