import Dispatch
import Kernels

/// Our own SGEMM, the one place a matrix product is computed. Row-major C = op(A) · op(B) (+ C).
///
/// The order of every sum is fixed by this file, not by the CPU: each element of C is ONE chain of
/// fused multiply-adds over k = 0, 1, ..., K-1, started from 0 (or from C's old value when
/// `accumulate`). Register blocking (6 rows x 16 columns), cache blocking over k and columns, the
/// SIMD width and the split over threads only change which elements are computed together, never the
/// order in which one element is summed. A k-block stores its partial sums in C and the next block
/// continues the same chain from there, which is exactly the unblocked chain. An FMA rounds once,
/// exactly as IEEE 754 defines it, whether done by an AVX2 or AVX-512 unit or in software (the
/// baseline x86-64 build), so the bits are the same on every machine.
public enum GEMM {
    /// Cache blocks: a k-block of B (kc x nc floats, 256 KiB) stays in L2 while every row block of A
    /// passes over it. Changing them must not change a bit; the tests run several.
    public static let defaultKBlock = 256
    public static let defaultNBlock = 256

    /// C[m x n] = op(A)[m x k] · op(B)[k x n] (+ C when `accumulate`). Products of at least 2^20
    /// multiply-adds are cut into `parts(work:side:)` slices of C, fixed by the shape, and the slices run on
    /// up to the context's threads. Every element is still one chain, so no bit depends on either.
    static func multiply(on context: ExecutionContext, transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                         a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                         accumulate: Bool = false, c: UnsafeMutablePointer<Float>, ldc: Int) {
        // Slice C by columns when B is packed (each slice then packs only its own columns of B),
        // else along the longer side.
        let splitRows = !packsB(transB: transB, ldb: ldb) && m >= n
        let parts = Self.parts(work: m * n * k, side: splitRows ? m : n)
        guard parts > 1 else {
            serial(kernels: context.kernels, transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                   accumulate: accumulate, c: c, ldc: ldc)
            return
        }
        context.run(parts) { i in
            if splitRows {
                let m0 = m * i / parts, m1 = m * (i + 1) / parts
                serial(kernels: context.kernels, transA: transA, transB: transB, m: m1 - m0, n: n, k: k,
                       a: transA ? a + m0 : a + m0 * lda, lda: lda, b: b, ldb: ldb,
                       accumulate: accumulate, c: c + m0 * ldc, ldc: ldc)
            } else {
                let n0 = n * i / parts, n1 = n * (i + 1) / parts
                serial(kernels: context.kernels, transA: transA, transB: transB, m: m, n: n1 - n0, k: k, a: a, lda: lda,
                       b: transB ? b + n0 * ldb : b + n0, ldb: ldb,
                       accumulate: accumulate, c: c + n0, ldc: ldc)
            }
        }
    }

    /// Slices of C for `multiply`: one per 2^20 multiply-adds, at most 8, each at least 16 rows (or
    /// columns) wide so the register blocks stay full. A function of the shape alone.
    static func parts(work: Int, side: Int) -> Int {
        guard work >= 1 << 20 else { return 1 }
        return max(1, min(8, work >> 20, side / 16))
    }

    /// The kernels load op(B) along rows. A transposed B, or one whose rows lie far apart (4 KiB
    /// strides alias in L1), is packed a block at a time into slivers.
    static func packsB(transB: Bool, ldb: Int) -> Bool { transB || ldb >= 256 }

    /// The same product on the calling thread, for callers that spread independent products over
    /// threads themselves (Winograd's per-image products). `kBlock` and `nBlock` exist for the tests.
    public static func serial(kernels: KernelPath, transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                              a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                              accumulate: Bool = false, c: UnsafeMutablePointer<Float>, ldc: Int,
                              kBlock: Int = defaultKBlock, nBlock: Int = defaultNBlock) {
        guard m > 0, n > 0 else { return }
        if kernels == .avx512 {
            lab_sgemm_avx512(transA ? 1 : 0, transB ? 1 : 0, m, n, k, a, lda, b, ldb, accumulate ? 1 : 0, c, ldc, kBlock, nBlock)
            return
        }
        if k == 0 {
            if !accumulate { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
            return
        }
        // op(A)[i, p] is at a + i * rsA + p * csA.
        let (rsA, csA) = transA ? (1, lda) : (lda, 1)
        let kc = max(1, kBlock), nc = max(16, nBlock / 16 * 16)
        // A packed B goes into 16-column slivers, each kc x 16.
        let pack = packsB(transB: transB, ldb: ldb)
        let packed = pack ? UnsafeMutablePointer<Float>.allocate(capacity: min(kc, k) * min(nc, n)) : nil
        defer { packed?.deallocate() }
        for p0 in stride(from: 0, to: k, by: kc) {
            let kk = min(kc, k - p0)
            let chain = accumulate || p0 > 0 // continue each element's chain from C
            for j0 in stride(from: 0, to: n, by: nc) {
                let nn = min(nc, n - j0)
                if let packed { packB(transB: transB, b: b, ldb: ldb, rows: p0..<(p0 + kk), columns: j0..<(j0 + nn), into: packed) }
                // Sliver outermost: one 16-column sliver of B (kc x 16) stays in L1 while every row
                // block of A passes over it (rows outermost re-read all of B per row block: 20-30% slower
                // on Winograd's shapes, whose B fills L1 by itself).
                for s0 in stride(from: 0, to: nn, by: 16) {
                    let width = min(16, nn - s0)
                    // This sliver of op(B): its first element and its row stride.
                    let (bs, rsB) = packed.map { (UnsafePointer($0 + s0 * kk), width) } ?? (b + p0 * ldb + j0 + s0, ldb)
                    if width == 16 {
                        for i0 in stride(from: 0, to: m, by: 6) {
                            kernel6x16(kk, a + i0 * rsA + p0 * csA, rsA, csA, min(6, m - i0), bs, rsB, c + i0 * ldc + j0 + s0, ldc, chain)
                        }
                        continue
                    }
                    for i0 in stride(from: 0, to: m, by: 4) {
                        let rows = min(4, m - i0)
                        let aRows = a + i0 * rsA + p0 * csA, cs = c + i0 * ldc + j0 + s0
                        var j = 0
                        if width >= 8 { kernel4x8(kk, aRows, rsA, csA, rows, bs, rsB, cs, ldc, chain); j = 8 }
                        for jj in j..<width {
                            for r in 0..<rows { kernel1x1(kk, aRows + r * rsA, csA, bs + jj, rsB, cs + r * ldc + jj, chain) }
                        }
                    }
                }
            }
        }
    }

    /// op(B)[rows, columns] into 16-column slivers: sliver s holds columns 16s..<16s+w as rows x w.
    private static func packB(transB: Bool, b: UnsafePointer<Float>, ldb: Int, rows: Range<Int>, columns: Range<Int>,
                              into packed: UnsafeMutablePointer<Float>) {
        let kk = rows.count, nn = columns.count
        for s0 in stride(from: 0, to: nn, by: 16) {
            let width = min(16, nn - s0), dst = packed + s0 * kk
            for p in 0..<kk {
                let row = dst + p * width, j0 = columns.lowerBound + s0, pp = rows.lowerBound + p
                if transB {
                    for j in 0..<width { row[j] = b[(j0 + j) * ldb + pp] }
                } else {
                    (row).update(from: b + pp * ldb + j0, count: width)
                }
            }
        }
    }
}

// MARK: micro-kernels
//
// Each keeps its block of C in registers and runs one FMA chain per element over the k-block.
// Rows past `rows` point at row 0 and are computed but never stored, so a short block costs no branch
// in the loop.

@inline(__always)
private func rowPointers(_ a: UnsafePointer<Float>, _ rsA: Int, _ rows: Int)
    -> (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>) {
    (a, rows > 1 ? a + rsA : a, rows > 2 ? a + 2 * rsA : a, rows > 3 ? a + 3 * rsA : a)
}

@inline(__always)
private func initial(_ c: UnsafeMutablePointer<Float>, _ r: Int, _ rows: Int, _ ldc: Int, _ chain: Bool) -> SIMD8<Float> {
    chain && r < rows ? load8(c + r * ldc) : SIMD8<Float>()
}

@inline(__always)
private func splat(_ x: Float) -> SIMD8<Float> { SIMD8(repeating: x) }

/// 6 x 16: twelve accumulators, two loads of B and six broadcasts of A per k: fifteen of AVX2's
/// sixteen registers, no spill (checked in the disassembly). Twelve independent chains keep both FMA
/// pipes busy through the FMA latency with room to spare; eight, the earlier 4 x 16 block, is exactly
/// the minimum, and any stall shows (1536^3 on Zen 3: 88.6 -> 105 GFLOP/s on two cores).
private func kernel6x16(_ k: Int, _ a: UnsafePointer<Float>, _ rsA: Int, _ csA: Int, _ rows: Int,
                        _ b: UnsafePointer<Float>, _ rsB: Int,
                        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ chain: Bool) {
    let (a0, a1, a2, a3) = rowPointers(a, rsA, rows)
    let a4 = rows > 4 ? a + 4 * rsA : a, a5 = rows > 5 ? a + 5 * rsA : a
    let c8 = c + 8
    var c00 = initial(c, 0, rows, ldc, chain), c01 = initial(c8, 0, rows, ldc, chain)
    var c10 = initial(c, 1, rows, ldc, chain), c11 = initial(c8, 1, rows, ldc, chain)
    var c20 = initial(c, 2, rows, ldc, chain), c21 = initial(c8, 2, rows, ldc, chain)
    var c30 = initial(c, 3, rows, ldc, chain), c31 = initial(c8, 3, rows, ldc, chain)
    var c40 = initial(c, 4, rows, ldc, chain), c41 = initial(c8, 4, rows, ldc, chain)
    var c50 = initial(c, 5, rows, ldc, chain), c51 = initial(c8, 5, rows, ldc, chain)
    var pa = 0, pb = b
    for _ in 0..<k {
        let b0 = load8(pb), b1 = load8(pb + 8)
        var s = splat(a0[pa]); c00 = c00.addingProduct(s, b0); c01 = c01.addingProduct(s, b1)
        s = splat(a1[pa]); c10 = c10.addingProduct(s, b0); c11 = c11.addingProduct(s, b1)
        s = splat(a2[pa]); c20 = c20.addingProduct(s, b0); c21 = c21.addingProduct(s, b1)
        s = splat(a3[pa]); c30 = c30.addingProduct(s, b0); c31 = c31.addingProduct(s, b1)
        s = splat(a4[pa]); c40 = c40.addingProduct(s, b0); c41 = c41.addingProduct(s, b1)
        s = splat(a5[pa]); c50 = c50.addingProduct(s, b0); c51 = c51.addingProduct(s, b1)
        pa &+= csA; pb += rsB
    }
    store8(c00, c); store8(c01, c8)
    if rows > 1 { store8(c10, c + ldc); store8(c11, c8 + ldc) }
    if rows > 2 { store8(c20, c + 2 * ldc); store8(c21, c8 + 2 * ldc) }
    if rows > 3 { store8(c30, c + 3 * ldc); store8(c31, c8 + 3 * ldc) }
    if rows > 4 { store8(c40, c + 4 * ldc); store8(c41, c8 + 4 * ldc) }
    if rows > 5 { store8(c50, c + 5 * ldc); store8(c51, c8 + 5 * ldc) }
}

private func kernel4x8(_ k: Int, _ a: UnsafePointer<Float>, _ rsA: Int, _ csA: Int, _ rows: Int,
                       _ b: UnsafePointer<Float>, _ rsB: Int,
                       _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ chain: Bool) {
    let (a0, a1, a2, a3) = rowPointers(a, rsA, rows)
    var c0 = initial(c, 0, rows, ldc, chain), c1 = initial(c, 1, rows, ldc, chain)
    var c2 = initial(c, 2, rows, ldc, chain), c3 = initial(c, 3, rows, ldc, chain)
    var pa = 0, pb = b
    for _ in 0..<k {
        let b0 = load8(pb)
        c0 = c0.addingProduct(splat(a0[pa]), b0); c1 = c1.addingProduct(splat(a1[pa]), b0)
        c2 = c2.addingProduct(splat(a2[pa]), b0); c3 = c3.addingProduct(splat(a3[pa]), b0)
        pa += csA; pb += rsB
    }
    store8(c0, c)
    if rows > 1 { store8(c1, c + ldc) }
    if rows > 2 { store8(c2, c + 2 * ldc) }
    if rows > 3 { store8(c3, c + 3 * ldc) }
}

/// One element: the same chain in scalar FMAs, which round exactly as a SIMD lane does.
@inline(__always)
private func kernel1x1(_ k: Int, _ a: UnsafePointer<Float>, _ csA: Int, _ b: UnsafePointer<Float>, _ rsB: Int,
                       _ c: UnsafeMutablePointer<Float>, _ chain: Bool) {
    var acc: Float = chain ? c.pointee : 0
    for p in 0..<k { acc = acc.addingProduct(a[p * csA], b[p * rsB]) }
    c.pointee = acc
}
