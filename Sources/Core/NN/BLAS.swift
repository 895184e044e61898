import COpenBLAS
import Dispatch

/// The one place SGEMM is called. Row-major C = alpha * op(A) * op(B) + beta * C.
///
/// OpenBLAS runs single-threaded; large products are split here into FIXED halves of C's rows or
/// columns, one OpenBLAS call each, run concurrently when Parallelism allows two threads. Each
/// element of C is computed by one call over the same K in the same order, so the bits do not depend
/// on the thread count, and no OpenBLAS worker threads spin against our own parallel loops.
enum BLAS {
    static func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                      alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                      b: UnsafePointer<Float>, ldb: Int,
                      beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        _ = singleThreaded
        func call(_ m0: Int, _ m1: Int, _ n0: Int, _ n1: Int) {
            let aPart = transA ? a + m0 : a + m0 * lda
            let bPart = transB ? b + n0 * ldb : b + n0
            cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                        blasint(m1 - m0), blasint(n1 - n0), blasint(k), alpha, aPart, blasint(lda), bPart, blasint(ldb),
                        beta, c + m0 * ldc + n0, blasint(ldc))
        }
        let parts = 2
        guard m * n * k >= 1 << 20, max(m, n) >= 2 * parts else { call(0, m, 0, n); return }
        let splitRows = m >= n
        let run = { (i: Int) in
            if splitRows { call(m * i / parts, m * (i + 1) / parts, 0, n) } else { call(0, m, n * i / parts, n * (i + 1) / parts) }
        }
        if Parallelism.threads > 1 {
            DispatchQueue.concurrentPerform(iterations: parts, execute: run)
        } else {
            for i in 0..<parts { run(i) }
        }
    }

    /// One OpenBLAS call on the calling thread, for callers that spread independent products over
    /// threads themselves (Winograd's per-image products).
    static func sgemmSerial(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                            a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                            beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        _ = singleThreaded
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), 1, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// OpenBLAS itself always runs on one thread; see above.
    static func setThreads(_ n: Int) { _ = singleThreaded }
    private static let singleThreaded: Void = openblas_set_num_threads(1)
}
