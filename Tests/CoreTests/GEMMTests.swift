import XCTest
@testable import Core

/// Our SGEMM sums every element in one fixed order: a chain of FMAs over k = 0..<K. These tests pin
/// that order down: a scalar chain written out here gives the same bits, whatever the cache blocks,
/// the transposes, the row/column tails and the thread count; and the result is close to a
/// double-precision product.
final class GEMMTests: XCTestCase {
    private struct Case { let transA: Bool, transB: Bool, m: Int, n: Int, k: Int }

    /// Shapes with every tail: every row count mod 6 and mod 8 (the AVX2 6-row and AVX-512 8-row
    /// kernels' short last blocks), columns not a multiple of 32, 16 or 8, k of 1.
    private let cases: [Case] = [
        Case(transA: false, transB: false, m: 44, n: 64, k: 32),      // Winograd forward
        Case(transA: true, transB: false, m: 64, n: 32, k: 44),       // Winograd dU
        Case(transA: false, transB: true, m: 7, n: 37, k: 300),       // Dense dx
        Case(transA: true, transB: true, m: 13, n: 25, k: 9),
        Case(transA: false, transB: false, m: 5, n: 300, k: 1),
        Case(transA: false, transB: false, m: 130, n: 70, k: 520),    // several k- and column blocks
        Case(transA: false, transB: false, m: 9, n: 300, k: 300),     // strided B packed, k-blocks continue
        Case(transA: false, transB: false, m: 6, n: 24, k: 40),       // a tail of exactly 8 columns
        Case(transA: false, transB: false, m: 45, n: 128, k: 64),     // Winograd forward, block 3
        Case(transA: true, transB: false, m: 128, n: 64, k: 45),      // Winograd dU, block 3
        Case(transA: false, transB: false, m: 15, n: 49, k: 17),      // a 17-column AVX-512 tail (16 + 1)
        Case(transA: true, transB: true, m: 23, n: 31, k: 260),       // 31 columns, packed, two k-blocks
    ] + (1...40).map { Case(transA: $0 % 2 == 0, transB: $0 % 3 == 0, m: 1 + $0 % 17, n: $0, k: 1 + $0 % 5) } // every width 1-40

    /// The kernel paths this machine can run: each must give the bits of the scalar chain.
    private var paths: [KernelPath] {
        #if LAB_BASELINE
        return [.baseline]
        #else
        return KernelPath.cpuHasAVX512 ? [.avx2, .avx512] : [.avx2]
        #endif
    }

    private func random(_ count: Int, _ rng: inout SeededRNG) -> [Float] { (0..<count).map { _ in Float(rng.normal()) } }

    /// Runs one case. op(A) is m x k, op(B) is k x n; stored transposed when asked, with padded strides.
    private func product(_ t: Case, on path: KernelPath, a: [Float], b: [Float], c0: [Float], accumulate: Bool, threads: Int? = nil,
                         kBlock: Int = GEMM.defaultKBlock, nBlock: Int = GEMM.defaultNBlock) -> [Float] {
        let lda = (t.transA ? t.m : t.k) + 3, ldb = (t.transB ? t.k : t.n) + 5, ldc = t.n + 2
        var c = c0
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    if let threads {
                        GEMM.multiply(on: ExecutionContext(threads: threads, kernels: path), transA: t.transA, transB: t.transB, m: t.m,
                                      n: t.n, k: t.k, a: ap.baseAddress!, lda: lda,
                                      b: bp.baseAddress!, ldb: ldb, accumulate: accumulate, c: cp.baseAddress!, ldc: ldc)
                    } else {
                        GEMM.serial(kernels: path, transA: t.transA, transB: t.transB, m: t.m, n: t.n, k: t.k, a: ap.baseAddress!, lda: lda,
                                    b: bp.baseAddress!, ldb: ldb, accumulate: accumulate, c: cp.baseAddress!, ldc: ldc,
                                    kBlock: kBlock, nBlock: nBlock)
                    }
                }
            }
        }
        return c
    }

    private func operands(_ t: Case, seed: UInt64) -> (a: [Float], b: [Float], c: [Float],
                                                         opA: (Int, Int) -> Float, opB: (Int, Int) -> Float) {
        var rng = SeededRNG(seed: seed)
        let lda = (t.transA ? t.m : t.k) + 3, ldb = (t.transB ? t.k : t.n) + 5, ldc = t.n + 2
        let a = random((t.transA ? t.k : t.m) * lda, &rng), b = random((t.transB ? t.n : t.k) * ldb, &rng)
        let c = random(t.m * ldc, &rng)
        let opA = { (i: Int, p: Int) in t.transA ? a[p * lda + i] : a[i * lda + p] }
        let opB = { (p: Int, j: Int) in t.transB ? b[j * ldb + p] : b[p * ldb + j] }
        return (a, b, c, opA, opB)
    }

    func testEveryElementIsOneFMAChainOverK() {
        for path in paths {
            do {
                for (index, t) in cases.enumerated() {
                    let (a, b, c0, opA, opB) = operands(t, seed: UInt64(index))
                    let ldc = t.n + 2
                    for accumulate in [false, true] {
                        let c = product(t, on: path, a: a, b: b, c0: c0, accumulate: accumulate)
                        var wrong = 0
                        for i in 0..<t.m {
                            for j in 0..<t.n {
                                var chain: Float = accumulate ? c0[i * ldc + j] : 0
                                for p in 0..<t.k { chain = chain.addingProduct(opA(i, p), opB(p, j)) }
                                if c[i * ldc + j].bitPattern != chain.bitPattern { wrong += 1 }
                            }
                            // The padding between rows of C is never written.
                            for j in t.n..<ldc where c[i * ldc + j].bitPattern != c0[i * ldc + j].bitPattern { wrong += 1 }
                        }
                        XCTAssertEqual(wrong, 0, "\(path): case \(index) \(t), accumulate \(accumulate)")
                    }
                }
            }
        }
    }

    /// `LAB_KERNELS` names a path or says in one line why it cannot.
    func testKernelPathRequests() throws {
        XCTAssertEqual(try KernelPath.requested(nil), KernelPath.best)
        XCTAssertEqual(try KernelPath.requested("auto"), KernelPath.best)
        XCTAssertThrowsError(try KernelPath.requested("avx1024")) { XCTAssertTrue("\($0)".contains("not one of auto, avx2, avx512")) }
        #if !LAB_BASELINE
        XCTAssertEqual(try KernelPath.requested("AVX2"), .avx2)
        if KernelPath.cpuHasAVX512 {
            XCTAssertEqual(try KernelPath.requested("avx512"), .avx512)
            XCTAssertEqual(KernelPath.best, .avx512)
        } else {
            XCTAssertThrowsError(try KernelPath.requested("avx512")) { XCTAssertTrue("\($0)".contains("no AVX-512F")) }
        }
        #endif
    }

    func testSameBitsForEveryBlockSizeAndThreadCount() {
        for path in paths { sameBitsForEveryBlockSizeAndThreadCount(path) }
    }

    private func sameBitsForEveryBlockSizeAndThreadCount(_ path: KernelPath) {
        for (index, t) in cases.enumerated() {
            let (a, b, c0, _, _) = operands(t, seed: 100 + UInt64(index))
            let reference = product(t, on: path, a: a, b: b, c0: c0, accumulate: true)
            for (kBlock, nBlock) in [(1, 16), (7, 32), (64, 48), (1000, 1000)] {
                let c = product(t, on: path, a: a, b: b, c0: c0, accumulate: true, kBlock: kBlock, nBlock: nBlock)
                XCTAssertEqual(c.map(\.bitPattern), reference.map(\.bitPattern), "case \(index), kc \(kBlock), nc \(nBlock)")
            }
            for threads in [1, 2, 3, 5] {
                let c = product(t, on: path, a: a, b: b, c0: c0, accumulate: true, threads: threads)
                XCTAssertEqual(c.map(\.bitPattern), reference.map(\.bitPattern), "\(path): case \(index), \(threads) threads")
            }
        }
        // Large enough to be sliced: by rows (m >= n) and by columns, for every transpose.
        let split = [(false, false, 96, 40), (true, false, 96, 40), (false, true, 96, 40), (true, true, 96, 40),
                     (false, false, 40, 96), (true, false, 40, 96), (false, true, 40, 96), (true, true, 40, 96)]
        for (transA, transB, m, n) in split {
            let t = Case(transA: transA, transB: transB, m: m, n: n, k: 300)
            XCTAssertGreaterThanOrEqual(t.m * t.n * t.k, 1 << 20, "large enough to be split")
            let (a, b, c0, _, _) = operands(t, seed: 7)
            let one = product(t, on: .best, a: a, b: b, c0: c0, accumulate: false, threads: 1)
            for threads in [2, 3, 5] {
                let many = product(t, on: .best, a: a, b: b, c0: c0, accumulate: false, threads: threads)
                XCTAssertEqual(one.map(\.bitPattern), many.map(\.bitPattern), "\(path): \(t), \(threads) threads")
            }
            XCTAssertEqual(one.map(\.bitPattern), product(t, on: .best, a: a, b: b, c0: c0, accumulate: false).map(\.bitPattern))
        }
    }

    /// Single precision against double: the error of a K-term chain is bounded by about K·u·Σ|a·b|
    /// (u = 2^-24); we require 4·K·u·Σ|a·b| element by element.
    func testCloseToDoublePrecision() {
        for (index, t) in cases.enumerated() {
            let (a, b, c0, opA, opB) = operands(t, seed: 200 + UInt64(index))
            let ldc = t.n + 2
            let c = product(t, on: .best, a: a, b: b, c0: c0, accumulate: false)
            for i in 0..<t.m {
                for j in 0..<t.n {
                    var exact = 0.0, magnitude = 0.0
                    for p in 0..<t.k {
                        exact += Double(opA(i, p)) * Double(opB(p, j))
                        magnitude += abs(Double(opA(i, p)) * Double(opB(p, j)))
                    }
                    let bound = 4 * Double(t.k) * 0x1p-24 * magnitude
                    XCTAssertLessThanOrEqual(abs(Double(c[i * ldc + j]) - exact), bound, "case \(index) (\(i), \(j))")
                }
            }
        }
    }
}
