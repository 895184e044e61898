import Foundation
import Kernels

/// 3x3 "same" convolution (stride 1, padding 1) by Winograd's minimal filtering F(4x4, 3x3)
/// (Lavin & Gray, 2015): a 4x4 output tile costs 36 multiplies instead of 144, so the three
/// SGEMM-bound passes of training (forward, input gradient, weight gradient) each do 4x fewer FLOPs.
///
/// With tiles p = (ty, tx) of one image and the 36 points ξ of the 6x6 transform domain:
///   U[ξ] = (G g Gᵀ)[ξ]            [K, C]  filters
///   V[ξ] = (Bᵀ d_p B)[ξ]          [P, C]  input patches (6x6, overlapping by 2)
///   M[ξ] = V[ξ] · U[ξ]ᵀ           [P, K]  36 SGEMMs
///   y_p  = Aᵀ M_p A + bias         4x4 output tile
/// Backward is the exact adjoint of each step:
///   dM_p = A dy_p Aᵀ,  dU[ξ] = Σ_p dM[ξ]ᵀ · V[ξ],  dg = Gᵀ dU G,
///   dV[ξ] = dM[ξ] · U[ξ],  dx += B dV_p Bᵀ (patches overlap: scatter-add within each image).
///
/// Transform-domain rows are channel-contiguous, so every transform runs on SIMD8 lanes of eight
/// channels. Work goes image by image, a block of tile rows at a time, so V and M stay in cache and
/// the SGEMMs are the small, cache-resident kind our GEMM's register blocking runs near peak. Backward recomputes V rather
/// than keeping it. Images are split into fixed chunks; each chunk sums its own dU in a fixed order and
/// the chunks' sums are added in chunk order, so the bits do not depend on the thread count.
final class WinogradConv3x3 {
    let inChannels: Int, outChannels: Int
    /// Channel counts rounded up to whole SIMD8 lanes: the row strides of V, M and the padded images.
    let cp: Int, kp: Int
    private var u: [Float] = []            // [36][K][C]: dV = dM · U
    private var ut: [Float] = []           // [36][C][K]: M = V · Uᵀ as a plain product, so the forward
                                           // GEMM needs no transposed operand
    /// The weights U and Uᵀ were transformed from; inference batches reuse them while the weights
    /// are unchanged (the same floats give the same transform, so no bit changes).
    private var transformedWeights: [Float] = []
    private var geometry = Geometry(n: 0, h: 0, w: 0)
    private var scratch = Scratch()

    struct Geometry: Equatable {
        let n: Int, h: Int, w: Int
        /// Whether a 2x2 max-pool follows: it drops an odd last row or column, so no tile computes it.
        /// Backward then skips those tiles too; their output gradient is exactly zero, so every sum
        /// they would add to is unchanged (an FMA adding 0 · v to a sum leaves it as it is).
        var pooled = false
        /// Output rows and columns computed.
        var outH: Int { pooled ? h / 2 * 2 : h }
        var outW: Int { pooled ? w / 2 * 2 : w }
        var th: Int { (outH + 3) / 4 }
        var tw: Int { (outW + 3) / 4 }
        /// Padded image: tiles read rows and columns up to 4 th + 1; the image fills 1...h and 1...w,
        /// which fit because outH >= h - 1.
        var hp: Int { 4 * th + 2 }
        var wp: Int { 4 * tw + 2 }
        /// Tile rows per block: about 48 tiles, which keeps a block's V and M within L2 (measured best of 24-96).
        var blockRows: Int { max(1, min(th, 48 / tw)) }
        var blockTiles: Int { blockRows * tw }
    }

    /// Per-chunk buffers, one slice per chunk of images; raw memory so chunks can write concurrently.
    private struct Scratch {
        var chunks = 0
        var padIn: UnsafeMutablePointer<Float>?   // [chunk][hp][wp][cp]: the image, channels last, zero border
        var padDx: UnsafeMutablePointer<Float>?   // [chunk][hp][wp][cp]: dx accumulator
        var v: UnsafeMutablePointer<Float>?       // [chunk][36][B][cp]; dV in backward
        var m: UnsafeMutablePointer<Float>?       // [chunk][36][B][kp]; dM in backward
        var du: UnsafeMutablePointer<Float>?      // [chunk][36][K][C]
        /// [chunk][pooled pixels of a block][kp]: a pooled block channels last, before it goes to its planes.
        var stage: UnsafeMutablePointer<Float>?
        var argmaxStage: UnsafeMutablePointer<Int32>?
        /// [chunk][pooled pixels of an image][kp]: a pooled gradient and its argmax, channels last (backward).
        var gradientStage: UnsafeMutablePointer<Float>?
        var gradientArgmaxStage: UnsafeMutablePointer<Int32>?
        /// The ReLU's output beside it, where the Swift transforms apply the ReLU's backward (not avx512).
        var gradientReluStage: UnsafeMutablePointer<Float>?
        var padSize = 0, vSize = 0, mSize = 0, duSize = 0, stageSize = 0, gradientStageSize = 0

        mutating func free() {
            for p in [padIn, padDx, v, m, du, stage, gradientStage, gradientReluStage] { p?.deallocate() }
            argmaxStage?.deallocate()
            gradientArgmaxStage?.deallocate()
            self = Scratch()
        }
    }

    init(inChannels: Int, outChannels: Int) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        cp = (inChannels + 7) / 8 * 8
        kp = (outChannels + 7) / 8 * 8
    }

    deinit { scratch.free() }

    /// Floats from one transform point of V (of M) to the next, in a block of `tiles` tiles. Padded by
    /// one cache line: unpadded, 48 tiles x 128 channels put all 36 points a multiple of 4 KiB apart,
    /// on one L1 set, and the output transform's 36 loads per tile missed L1 every time.
    @inline(__always) func vPoint(_ tiles: Int) -> Int { tiles * cp + 16 }
    @inline(__always) func mPoint(_ tiles: Int) -> Int { tiles * kp + 16 }

    private func plan(_ g: Geometry) {
        guard g != geometry else { return }
        geometry = g
        u = [Float](repeating: 0, count: 36 * outChannels * inChannels)
        ut = u
        transformedWeights = []
        scratch.free()
        let chunks = ExecutionContext.fixedChunkCount(g.n)
        func zeroed(_ count: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
            p.initialize(repeating: 0, count: count)
            return p
        }
        scratch.chunks = chunks
        scratch.padSize = g.hp * g.wp * cp
        scratch.vSize = 36 * vPoint(g.blockTiles)
        scratch.mSize = 36 * mPoint(g.blockTiles)
        scratch.duSize = 36 * outChannels * inChannels
        scratch.padIn = zeroed(chunks * scratch.padSize)
        scratch.padDx = zeroed(chunks * scratch.padSize)
        scratch.v = zeroed(chunks * scratch.vSize)
        scratch.m = zeroed(chunks * scratch.mSize)
        scratch.du = zeroed(chunks * scratch.duSize)
        scratch.stageSize = 2 * g.blockRows * (g.w / 2) * kp
        scratch.stage = zeroed(chunks * scratch.stageSize)
        scratch.argmaxStage = .allocate(capacity: chunks * scratch.stageSize)
        scratch.argmaxStage!.initialize(repeating: 0, count: chunks * scratch.stageSize)
        if g.pooled {
            scratch.gradientStageSize = (g.h / 2) * (g.w / 2) * kp
            scratch.gradientStage = zeroed(chunks * scratch.gradientStageSize)
            scratch.gradientReluStage = zeroed(chunks * scratch.gradientStageSize)
            scratch.gradientArgmaxStage = .allocate(capacity: chunks * scratch.gradientStageSize)
            scratch.gradientArgmaxStage!.initialize(repeating: 0, count: chunks * scratch.gradientStageSize)
        }
    }

    /// The gradient `backward` starts from: the full-resolution map dy [K, N, H, W], or (after a
    /// pooled forward) the pooled block's gradient [K, N, H/2, W/2] with the pool's
    /// argmax and the ReLU's output, from which each tile's dy is rebuilt as MaxPool2D.backward writes it.
    enum OutputGradient {
        case full(UnsafePointer<Float>)
        case pooled(UnsafePointer<Float>, argmax: UnsafePointer<Int32>, reluOutput: UnsafePointer<Float>)
    }

    /// x [C, N, H, W] -> y [K, N, H, W]. `weight` is [K, C*9] in (c, ky, kx) order.
    /// With `pooledReLU`, y is relu(maxpool2x2(conv)) [K, N, H/2, W/2], the full map never written.
    func forward(x: UnsafePointer<Float>, n: Int, h: Int, w: Int, weight: UnsafePointer<Float>,
                 bias: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, pooledReLU: Bool = false,
                 argmax: UnsafeMutablePointer<Int32>? = nil, on context: ExecutionContext) {
        let g = Geometry(n: n, h: h, w: w, pooled: pooledReLU)
        plan(g)
        let (c, k, cp, kp) = (inChannels, outChannels, cp, kp)
        let weightCount = k * c * 9
        let unchanged = transformedWeights.count == weightCount
            && transformedWeights.withUnsafeBytes { memcmp($0.baseAddress!, weight, weightCount * 4) == 0 }
        if !unchanged {
            u.withUnsafeMutableBufferPointer { up in
                ut.withUnsafeMutableBufferPointer { transformFilters(weight, into: up.baseAddress!, transposed: $0.baseAddress!,
                                                                     on: context) }
            }
            if transformedWeights.count != weightCount { transformedWeights = [Float](repeating: 0, count: weightCount) }
            transformedWeights.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: weight, count: weightCount) }
        }
        let s = scratch
        ut.withUnsafeBufferPointer { up in
            let utb = up.baseAddress!
            context.parallelChunks(n) { chunk, images in
                let pad = s.padIn! + chunk * s.padSize, v = s.v! + chunk * s.vSize, m = s.m! + chunk * s.mSize
                for b in images {
                    loadImage(x, image: b, g: g, into: pad, on: context)
                    for ty0 in stride(from: 0, to: g.th, by: g.blockRows) {
                        let rows = ty0..<min(g.th, ty0 + g.blockRows), tiles = rows.count * g.tw
                        transformInput(pad, g: g, rows: rows, into: v)
                        for xi in 0..<36 { // M[ξ] = V[ξ] · U[ξ]ᵀ
                            GEMM.serial(kernels: context.kernels, m: tiles, n: k, k: c, a: v + xi * vPoint(tiles), lda: cp,
                                        b: utb + xi * c * k, ldb: k, c: m + xi * mPoint(tiles), ldc: kp)
                        }
                        if pooledReLU {
                            let stage = (s.stage! + chunk * s.stageSize, s.argmaxStage! + chunk * s.stageSize)
                            transformOutputPooledReLU(m, g: g, image: b, rows: rows, bias: bias, into: y, argmax: argmax, stage: stage,
                                                      on: context)
                        } else {
                            transformOutput(m, g: g, image: b, rows: rows, bias: bias, into: y)
                        }
                    }
                }
            }
        }
    }

    /// Given the forward input x and dy [K, N, H, W]: fills dWeight [K, C*9] and, when `dx` is given,
    /// dx [C, N, H, W].
    func backward(x: UnsafePointer<Float>, dy: OutputGradient, dWeight: UnsafeMutablePointer<Float>,
                  dx: UnsafeMutablePointer<Float>?, on context: ExecutionContext) {
        let g = geometry
        if case .pooled = dy { precondition(g.pooled, "a pooled gradient needs a pooled forward") }
        let (c, k, cp, kp) = (inChannels, outChannels, cp, kp)
        // Few input channels (a multi-channel first layer): the GEMM's narrow edge would be C, below
        // its 8-wide kernels, so dU is built transposed.
        let narrow = c < 8 && k >= 16 && context.transposesNarrowGradient
        let s = scratch
        u.withUnsafeBufferPointer { up in
            let ub = up.baseAddress!
            context.parallelChunks(g.n) { chunk, images in
                let pad = s.padIn! + chunk * s.padSize, padDx = s.padDx! + chunk * s.padSize
                let v = s.v! + chunk * s.vSize, m = s.m! + chunk * s.mSize, du = s.du! + chunk * s.duSize
                du.update(repeating: 0, count: s.duSize)
                let pixels = (g.h / 2) * (g.w / 2)
                let stage = s.gradientStage.map { $0 + chunk * s.gradientStageSize }
                let argmaxStage = s.gradientArgmaxStage.map { $0 + chunk * s.gradientStageSize }
                let reluStage = s.gradientReluStage.map { $0 + chunk * s.gradientStageSize }
                for b in images {
                    loadImage(x, image: b, g: g, into: pad, on: context)
                    if dx != nil { padDx.update(repeating: 0, count: s.padSize) }
                    if case .pooled(let d, let argmax, let relu) = dy {
                        let at = b * pixels, plane = g.n * pixels // image b's first pooled pixel in each channel plane
                        if context.kernels == .avx512 { // the ReLU's backward applied on the way
                            lab_winograd_stage_pooled_gradient_avx512(d + at, argmax + at, relu + at, plane, k, kp, pixels,
                                                                      stage!, argmaxStage!)
                        } else { // moved as they are; transformOutputGradientPooled applies the ReLU's backward
                            lab_to_channels_last(d + at, plane, k, pixels, stage!, kp, avx2Transposes)
                            lab_to_channels_last(relu + at, plane, k, pixels, reluStage!, kp, avx2Transposes)
                            lab_to_channels_last(argmax + at, plane, k, pixels, argmaxStage!, kp, avx2Transposes)
                        }
                    }
                    for ty0 in stride(from: 0, to: g.th, by: g.blockRows) {
                        let rows = ty0..<min(g.th, ty0 + g.blockRows), tiles = rows.count * g.tw
                        transformInput(pad, g: g, rows: rows, into: v)
                        switch dy {
                        case .full(let d): transformOutputGradient(d, g: g, image: b, rows: rows, into: m)
                        case .pooled where context.kernels == .avx512:
                            lab_winograd_output_gradient_pooled_avx512(stage!, argmaxStage!, kp, rows.lowerBound, rows.count, g.tw,
                                                                       g.h / 2, g.w / 2, g.w, m, mPoint(tiles))
                        case .pooled:
                            transformOutputGradientPooled(stage!, relu: reluStage!, argmax: argmaxStage!, g: g, rows: rows, into: m)
                        }
                        for xi in 0..<36 {
                            if narrow { // dU[ξ]ᵀ += V[ξ]ᵀ · dM[ξ]: the same products summed in the same order, 16 wide
                                GEMM.serial(kernels: context.kernels, transA: true, m: c, n: k, k: tiles, a: v + xi * vPoint(tiles),
                                            lda: cp,
                                            b: m + xi * mPoint(tiles), ldb: kp, accumulate: true, c: du + xi * k * c, ldc: k)
                            } else { // dU[ξ] += dM[ξ]ᵀ · V[ξ]
                                GEMM.serial(kernels: context.kernels, transA: true, m: k, n: c, k: tiles, a: m + xi * mPoint(tiles),
                                            lda: kp,
                                            b: v + xi * vPoint(tiles), ldb: cp, accumulate: true, c: du + xi * k * c, ldc: c)
                            }
                        }
                        guard dx != nil else { continue }
                        for xi in 0..<36 { // dV[ξ] = dM[ξ] · U[ξ], over V
                            GEMM.serial(kernels: context.kernels, m: tiles, n: c, k: k, a: m + xi * mPoint(tiles), lda: kp,
                                             b: ub + xi * k * c, ldb: c, c: v + xi * vPoint(tiles), ldc: cp)
                        }
                        transformInputGradient(v, g: g, rows: rows, into: padDx, on: context)
                    }
                    if let dx { storeImage(padDx, image: b, g: g, into: dx, on: context) }
                }
                if narrow { // back to dU's [ξ][K][C] layout
                    let t = UnsafeMutablePointer<Float>.allocate(capacity: k * c)
                    defer { t.deallocate() }
                    for xi in 0..<36 {
                        let block = du + xi * k * c
                        for ci in 0..<c { for ki in 0..<k { t[ki * c + ci] = block[ci * k + ki] } }
                        block.update(from: t, count: k * c)
                    }
                }
            }
        }
        // The chunks' partial dU, added in chunk order.
        let total = s.du!
        context.parallelFor(s.duSize, minChunk: 4096) { range in // each element sums the chunks in chunk order
            for chunk in 1..<max(1, s.chunks) {
                let part = s.du! + chunk * s.duSize
                for i in range { total[i] += part[i] }
            }
        }
        transformFilterGradient(total, into: dWeight, on: context)
    }

    // MARK: images

    /// Image b, channels last, into a zero-bordered buffer (interior rows 1...h, columns 1...w), one
    /// row of its channel planes at a time.
    private func loadImage(_ x: UnsafePointer<Float>, image b: Int, g: Geometry, into pad: UnsafeMutablePointer<Float>,
                           on context: ExecutionContext) {
        let (c, cp, wp, plane) = (inChannels, cp, g.wp, g.n * g.h * g.w)
        if context.kernels == .avx512 { // the same copies, a channel's 16 columns at a time (winograd_avx512.c)
            lab_winograd_load_image_avx512(x + b * g.h * g.w, plane, c, cp, g.h, g.w, wp, pad)
            return
        }
        for r in 0..<g.h {
            lab_to_channels_last(x + b * g.h * g.w + r * g.w, plane, c, g.w, pad + ((r + 1) * wp + 1) * cp, cp, avx2Transposes)
        }
    }

    /// The interior of a channels-last dx accumulator into image b of dx.
    private func storeImage(_ pad: UnsafeMutablePointer<Float>, image b: Int, g: Geometry, into dx: UnsafeMutablePointer<Float>,
                            on context: ExecutionContext) {
        let (c, cp, wp, plane) = (inChannels, cp, g.wp, g.n * g.h * g.w)
        if context.kernels == .avx512 {
            lab_winograd_store_image_avx512(pad, plane, c, cp, g.h, g.w, wp, dx + b * g.h * g.w)
            return
        }
        for r in 0..<g.h {
            lab_from_channels_last(pad + ((r + 1) * wp + 1) * cp, cp, c, g.w, dx + b * g.h * g.w + r * g.w, plane, avx2Transposes)
        }
    }
}

/// Whether lab_to_channels_last and lab_from_channels_last move 8 x 8 blocks in AVX2 registers: every
/// build but the SSE2 baseline, which runs on CPUs without AVX2. Only bits move either way.
#if LAB_BASELINE
let avx2Transposes: Int32 = 0
#else
let avx2Transposes: Int32 = 1
#endif
