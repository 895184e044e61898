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
/// the SGEMMs are the small, cache-resident kind OpenBLAS runs near peak. Backward recomputes V rather
/// than keeping it. Images are split into fixed chunks; each chunk sums its own dU in a fixed order and
/// the chunks' sums are added in chunk order, so the bits do not depend on the thread count.
final class WinogradConv3x3 {
    let inChannels: Int, outChannels: Int
    /// Channel counts rounded up to whole SIMD8 lanes: the row strides of V, M and the padded images.
    private let cp: Int, kp: Int
    private var u: [Float] = []            // [36][K][C]: dV = dM · U
    private var ut: [Float] = []           // [36][C][K]: M = V · Uᵀ as a plain product (OpenBLAS's
                                           // small-matrix path runs it ~1.5x faster than the transposed form)
    private var geometry = Geometry(n: 0, h: 0, w: 0)
    private var scratch = Scratch()

    struct Geometry: Equatable {
        let n: Int, h: Int, w: Int
        var th: Int { (h + 3) / 4 }
        var tw: Int { (w + 3) / 4 }
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
        var padSize = 0, vSize = 0, mSize = 0, duSize = 0

        mutating func free() {
            for p in [padIn, padDx, v, m, du] { p?.deallocate() }
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

    private func plan(_ g: Geometry) {
        guard g != geometry else { return }
        geometry = g
        u = [Float](repeating: 0, count: 36 * outChannels * inChannels)
        ut = u
        scratch.free()
        let chunks = fixedChunkCount(g.n)
        func zeroed(_ count: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
            p.initialize(repeating: 0, count: count)
            return p
        }
        scratch.chunks = chunks
        scratch.padSize = g.hp * g.wp * cp
        scratch.vSize = 36 * g.blockTiles * cp
        scratch.mSize = 36 * g.blockTiles * kp
        scratch.duSize = 36 * outChannels * inChannels
        scratch.padIn = zeroed(chunks * scratch.padSize)
        scratch.padDx = zeroed(chunks * scratch.padSize)
        scratch.v = zeroed(chunks * scratch.vSize)
        scratch.m = zeroed(chunks * scratch.mSize)
        scratch.du = zeroed(chunks * scratch.duSize)
    }

    /// x [C, N, H, W] -> y [K, N, H, W]. `weight` is [K, C*9] in (c, ky, kx) order.
    /// With `pooledReLU`, y is relu(maxpool2x2(conv)) [K, N, H/2, W/2], the full map never written.
    func forward(x: UnsafePointer<Float>, n: Int, h: Int, w: Int, weight: UnsafePointer<Float>,
                 bias: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, pooledReLU: Bool = false,
                 argmax: UnsafeMutablePointer<Int32>? = nil) {
        let g = Geometry(n: n, h: h, w: w)
        plan(g)
        let (c, k, cp, kp) = (inChannels, outChannels, cp, kp)
        u.withUnsafeMutableBufferPointer { up in
            ut.withUnsafeMutableBufferPointer { transformFilters(weight, into: up.baseAddress!, transposed: $0.baseAddress!) }
        }
        let s = scratch
        ut.withUnsafeBufferPointer { up in
            let utb = up.baseAddress!
            parallelChunks(n) { chunk, images in
                let pad = s.padIn! + chunk * s.padSize, v = s.v! + chunk * s.vSize, m = s.m! + chunk * s.mSize
                for b in images {
                    loadImage(x, image: b, g: g, into: pad)
                    for ty0 in stride(from: 0, to: g.th, by: g.blockRows) {
                        let rows = ty0..<min(g.th, ty0 + g.blockRows), tiles = rows.count * g.tw
                        transformInput(pad, g: g, rows: rows, into: v)
                        for xi in 0..<36 { // M[ξ] = V[ξ] · U[ξ]ᵀ
                            BLAS.sgemmSerial(m: tiles, n: k, k: c, a: v + xi * tiles * cp, lda: cp,
                                             b: utb + xi * c * k, ldb: k, c: m + xi * tiles * kp, ldc: kp)
                        }
                        if pooledReLU {
                            transformOutputPooledReLU(m, g: g, image: b, rows: rows, bias: bias, into: y, argmax: argmax)
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
    func backward(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dWeight: UnsafeMutablePointer<Float>,
                  dx: UnsafeMutablePointer<Float>?) {
        let g = geometry
        let (c, k, cp, kp) = (inChannels, outChannels, cp, kp)
        let s = scratch
        u.withUnsafeBufferPointer { up in
            let ub = up.baseAddress!
            parallelChunks(g.n) { chunk, images in
                let pad = s.padIn! + chunk * s.padSize, padDx = s.padDx! + chunk * s.padSize
                let v = s.v! + chunk * s.vSize, m = s.m! + chunk * s.mSize, du = s.du! + chunk * s.duSize
                du.update(repeating: 0, count: s.duSize)
                for b in images {
                    loadImage(x, image: b, g: g, into: pad)
                    if dx != nil { padDx.update(repeating: 0, count: s.padSize) }
                    for ty0 in stride(from: 0, to: g.th, by: g.blockRows) {
                        let rows = ty0..<min(g.th, ty0 + g.blockRows), tiles = rows.count * g.tw
                        transformInput(pad, g: g, rows: rows, into: v)
                        transformOutputGradient(dy, g: g, image: b, rows: rows, into: m)
                        for xi in 0..<36 { // dU[ξ] += dM[ξ]ᵀ · V[ξ]
                            BLAS.sgemmSerial(transA: true, m: k, n: c, k: tiles, a: m + xi * tiles * kp, lda: kp,
                                             b: v + xi * tiles * cp, ldb: cp, beta: 1, c: du + xi * k * c, ldc: c)
                        }
                        guard dx != nil else { continue }
                        for xi in 0..<36 { // dV[ξ] = dM[ξ] · U[ξ], over V
                            BLAS.sgemmSerial(m: tiles, n: c, k: k, a: m + xi * tiles * kp, lda: kp,
                                             b: ub + xi * k * c, ldb: c, c: v + xi * tiles * cp, ldc: cp)
                        }
                        transformInputGradient(v, g: g, rows: rows, into: padDx)
                    }
                    if let dx { storeImage(padDx, image: b, g: g, into: dx) }
                }
            }
        }
        // The chunks' partial dU, added in chunk order.
        let total = s.du!
        parallelFor(s.duSize, minChunk: 4096) { range in // each element sums the chunks in chunk order
            for chunk in 1..<max(1, s.chunks) {
                let part = s.du! + chunk * s.duSize
                for i in range { total[i] += part[i] }
            }
        }
        transformFilterGradient(total, into: dWeight)
    }

    // MARK: images

    /// Image b, channels last, into a zero-bordered buffer (interior rows 1...h, columns 1...w);
    /// eight channel planes are read side by side and written as one SIMD8 per pixel.
    private func loadImage(_ x: UnsafePointer<Float>, image b: Int, g: Geometry, into pad: UnsafeMutablePointer<Float>) {
        let (c, cp, wp, plane) = (inChannels, cp, g.wp, g.n * g.h * g.w)
        for c0 in stride(from: 0, to: c, by: 8) {
            let lanes = min(8, c - c0), src = x + (c0 * g.n + b) * g.h * g.w
            for r in 0..<g.h {
                let line = src + r * g.w, dst = pad + ((r + 1) * wp + 1) * cp + c0
                for col in 0..<g.w {
                    var v = SIMD8<Float>()
                    if lanes == 8 { v = gather8(line + col, plane) } else { for l in 0..<lanes { v[l] = line[l * plane + col] } }
                    store8(v, dst + col * cp)
                }
            }
        }
    }

    /// The interior of a channels-last dx accumulator into image b of dx.
    private func storeImage(_ pad: UnsafeMutablePointer<Float>, image b: Int, g: Geometry, into dx: UnsafeMutablePointer<Float>) {
        let (c, cp, wp, plane) = (inChannels, cp, g.wp, g.n * g.h * g.w)
        for c0 in stride(from: 0, to: c, by: 8) {
            let lanes = min(8, c - c0), dst = dx + (c0 * g.n + b) * g.h * g.w
            for r in 0..<g.h {
                let line = dst + r * g.w, src = pad + ((r + 1) * wp + 1) * cp + c0
                for col in 0..<g.w {
                    let v = load8(src + col * cp)
                    if lanes == 8 { scatter8(v, line + col, plane) } else { for l in 0..<lanes { line[l * plane + col] = v[l] } }
                }
            }
        }
    }

    // MARK: tile transforms (eight channels per SIMD lane group)

    /// V_p = Bᵀ d_p B, d_p the 6x6 input patch whose top-left corner is (4ty-1, 4tx-1); V is [36][tiles][cp].
    private func transformInput(_ pad: UnsafeMutablePointer<Float>, g: Geometry, rows: Range<Int>,
                                into v: UnsafeMutablePointer<Float>) {
        let (cp, wp) = (cp, g.wp)
        let tiles = rows.count * g.tw, point = tiles * cp // stride between transform points
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 36) { t in
            for ty in rows {
                for tx in 0..<g.tw {
                    let patch = pad + (4 * ty * wp + 4 * tx) * cp
                    let out = v + ((ty - rows.lowerBound) * g.tw + tx) * cp
                    for c0 in stride(from: 0, to: cp, by: 8) {
                        // Bᵀ down each column of the patch...
                        for j in 0..<6 {
                            let col = patch + j * cp + c0
                            let d = Six(load8(col), load8(col + wp * cp), load8(col + 2 * wp * cp),
                                        load8(col + 3 * wp * cp), load8(col + 4 * wp * cp), load8(col + 5 * wp * cp))
                            d.bt().store(into: t.baseAddress! + j, stride: 6)
                        }
                        // ...then along each row.
                        for i in 0..<6 {
                            let r = Six(from: UnsafePointer(t.baseAddress! + 6 * i), stride: 1).bt()
                            r.store(to: out + 6 * i * point + c0, stride: point)
                        }
                    }
                }
            }
        }
    }

    /// dx_patch = B dV_p Bᵀ, scatter-added into the channels-last dx accumulator of one image.
    private func transformInputGradient(_ dv: UnsafeMutablePointer<Float>, g: Geometry, rows: Range<Int>,
                                        into pad: UnsafeMutablePointer<Float>) {
        let (cp, wp) = (cp, g.wp)
        let tiles = rows.count * g.tw, point = tiles * cp
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 36) { t in
            for ty in rows {
                for tx in 0..<g.tw {
                    let src = UnsafePointer(dv + ((ty - rows.lowerBound) * g.tw + tx) * cp)
                    let patch = pad + (4 * ty * wp + 4 * tx) * cp
                    for c0 in stride(from: 0, to: cp, by: 8) {
                        for i in 0..<6 { // B along each row of dV...
                            Six(from: src + 6 * i * point + c0, stride: point).b().store(into: t.baseAddress! + 6 * i, stride: 1)
                        }
                        for j in 0..<6 { // ...then down each column, added into the patch.
                            let col = Six(from: UnsafePointer(t.baseAddress! + j), stride: 6).b()
                            let dst = patch + j * cp + c0
                            col.accumulate(into: dst, stride: wp * cp)
                        }
                    }
                }
            }
        }
    }

    /// y_p = Aᵀ M_p A + bias for one block of image b; the tile's ragged edge is dropped.
    private func transformOutput(_ m: UnsafeMutablePointer<Float>, g: Geometry, image b: Int, rows: Range<Int>,
                                 bias: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>) {
        let (k, kp, h, w) = (outChannels, kp, g.h, g.w)
        let tiles = rows.count * g.tw, point = tiles * kp, plane = g.n * h * w
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 24) { t in
            // Channel group outermost, so the stores stream through eight output planes at a time.
            for k0 in stride(from: 0, to: kp, by: 8) {
                let lanes = min(8, k - k0)
                var bk = SIMD8<Float>()
                for l in 0..<lanes { bk[l] = bias[k0 + l] }
                for ty in rows {
                    for tx in 0..<g.tw {
                        let src = UnsafePointer(m + ((ty - rows.lowerBound) * g.tw + tx) * kp + k0)
                        let (oy, ox) = (4 * ty, 4 * tx)
                        let outRows = min(4, h - oy), outCols = min(4, w - ox)
                        for j in 0..<6 { // Aᵀ down each column of M: 6 rows -> 4
                            let col = Six(from: src + j * point, stride: 6 * point).at()
                            (t[j], t[6 + j], t[12 + j], t[18 + j]) = col
                        }
                        for i in 0..<outRows { // then along each row: 6 columns -> 4, plus bias
                            let r = Six(from: UnsafePointer(t.baseAddress! + 6 * i), stride: 1).at()
                            let (v0, v1, v2, v3) = (r.0 + bk, r.1 + bk, r.2 + bk, r.3 + bk)
                            let row = y + k0 * plane + (b * h + oy + i) * w + ox
                            if outCols == 4 && lanes == 8 {
                                storeColumns(v0, v1, v2, v3, to: row, plane: plane)
                            } else if outCols == 4 {
                                for l in 0..<lanes {
                                    UnsafeMutableRawPointer(row + l * plane).storeBytes(of: SIMD4(v0[l], v1[l], v2[l], v3[l]), as: SIMD4<Float>.self)
                                }
                            } else {
                                for l in 0..<lanes {
                                    let dst = row + l * plane
                                    dst[0] = v0[l]
                                    if outCols > 1 { dst[1] = v1[l] }
                                    if outCols > 2 { dst[2] = v2[l] }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The 4x4 output tile reduced on the spot to its four 2x2 max-pool windows, then ReLU: the
    /// inference path of conv -> pool -> ReLU, same values as the three layers one after another.
    private func transformOutputPooledReLU(_ m: UnsafeMutablePointer<Float>, g: Geometry, image b: Int, rows: Range<Int>,
                                           bias: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
                                           argmax: UnsafeMutablePointer<Int32>?) {
        let (k, kp, ho, wo) = (outChannels, kp, g.h / 2, g.w / 2)
        let tiles = rows.count * g.tw, point = tiles * kp, plane = g.n * ho * wo
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 40) { t in
            let out = t.baseAddress! + 24 // the 4x4 tile
            for k0 in stride(from: 0, to: kp, by: 8) {
                let lanes = min(8, k - k0)
                var bk = SIMD8<Float>()
                for l in 0..<lanes { bk[l] = bias[k0 + l] }
                for ty in rows {
                    for tx in 0..<g.tw {
                        let src = UnsafePointer(m + ((ty - rows.lowerBound) * g.tw + tx) * kp + k0)
                        for j in 0..<6 {
                            let col = Six(from: src + j * point, stride: 6 * point).at()
                            (t[j], t[6 + j], t[12 + j], t[18 + j]) = col
                        }
                        for i in 0..<4 {
                            let r = Six(from: UnsafePointer(t.baseAddress! + 6 * i), stride: 1).at()
                            (out[4 * i], out[4 * i + 1], out[4 * i + 2], out[4 * i + 3]) = (r.0 + bk, r.1 + bk, r.2 + bk, r.3 + bk)
                        }
                        for a in 0..<2 {
                            let py = 2 * ty + a
                            guard py < ho else { continue }
                            for c in 0..<2 {
                                let px = 2 * tx + c
                                guard px < wo else { continue }
                                let q = out + 8 * a + 2 * c
                                let offset = (k0 * g.n + b) * ho * wo + py * wo + px
                                let dst = y + offset
                                let v: SIMD8<Float>
                                if let argmax { // training: also where each maximum came from
                                    let base = SIMD8<Int32>(repeating: Int32(2 * py * g.w + 2 * px))
                                    let pooled = maxPoolReLU(q[0], q[1], q[4], q[5], base: base, w: Int32(g.w))
                                    v = pooled.value
                                    for l in 0..<lanes { argmax[offset + l * plane] = pooled.at[l] }
                                } else {
                                    v = maxPoolReLU(q[0], q[1], q[4], q[5])
                                }
                                if lanes == 8 { scatter8(v, dst, plane) } else { for l in 0..<lanes { dst[l * plane] = v[l] } }
                            }
                        }
                    }
                }
            }
        }
    }

    /// dM_p = A dy_p Aᵀ, the adjoint of `transformOutput` (outputs beyond the edge have zero gradient).
    private func transformOutputGradient(_ dy: UnsafePointer<Float>, g: Geometry, image b: Int, rows: Range<Int>,
                                         into dm: UnsafeMutablePointer<Float>) {
        let (k, kp, h, w) = (outChannels, kp, g.h, g.w)
        let tiles = rows.count * g.tw, point = tiles * kp, plane = g.n * h * w
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 40) { t in
            let grad = t.baseAddress!, rowsA = t.baseAddress! + 16 // 4x4 dy tile, then 4 rows x 6 columns
            for k0 in stride(from: 0, to: kp, by: 8) { // channel group outermost: loads stream through 8 planes
                let lanes = min(8, k - k0)
                for ty in rows {
                    for tx in 0..<g.tw {
                        let out = dm + ((ty - rows.lowerBound) * g.tw + tx) * kp + k0
                        let (oy, ox) = (4 * ty, 4 * tx)
                        let outRows = min(4, h - oy), outCols = min(4, w - ox)
                        for i in 0..<4 {
                            for j in 0..<4 {
                                var v = SIMD8<Float>()
                                if i < outRows && j < outCols {
                                    let src = dy + k0 * plane + (b * h + oy + i) * w + ox + j
                                    if lanes == 8 { v = gather8(src, plane) } else { for l in 0..<lanes { v[l] = src[l * plane] } }
                                }
                                grad[4 * i + j] = v
                            }
                        }
                        for i in 0..<4 { // A along each row: 4 columns -> 6
                            let r = grad + 4 * i
                            Six.a(r[0], r[1], r[2], r[3]).store(into: rowsA + 6 * i, stride: 1)
                        }
                        for j in 0..<6 { // then down each column: 4 rows -> 6
                            let c = rowsA + j
                            Six.a(c[0], c[6], c[12], c[18]).store(to: out + j * point, stride: 6 * point)
                        }
                    }
                }
            }
        }
    }

    // MARK: filter transforms (once per batch, scalar)

    /// U = G g Gᵀ, laid out [36][K][C] in `u` and [36][C][K] in `ut`.
    private func transformFilters(_ weight: UnsafePointer<Float>, into u: UnsafeMutablePointer<Float>,
                                  transposed ut: UnsafeMutablePointer<Float>) {
        let (c, k) = (inChannels, outChannels)
        parallelFor(k) { filters in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 18) { gg in // G g: 6 rows x 3 columns
                let t = gg.baseAddress!
                for f in filters {
                    for ci in 0..<c {
                        let g = weight + (f * c + ci) * 9
                        for j in 0..<3 { filterG(g[j], g[3 + j], g[6 + j], into: t + j, stride: 3) }
                        for i in 0..<6 {
                            filterG(t[3 * i], t[3 * i + 1], t[3 * i + 2], into: u + ((6 * i) * k + f) * c + ci, stride: k * c)
                            filterG(t[3 * i], t[3 * i + 1], t[3 * i + 2], into: ut + ((6 * i) * c + ci) * k + f, stride: k * c)
                        }
                    }
                }
            }
        }
    }

    /// dg = Gᵀ dU G, the adjoint of `transformFilters`.
    private func transformFilterGradient(_ du: UnsafePointer<Float>, into dWeight: UnsafeMutablePointer<Float>) {
        let (c, k) = (inChannels, outChannels)
        parallelFor(k) { filters in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 18) { rows in // dU G: 6 rows x 3 columns
                let t = rows.baseAddress!
                for f in filters {
                    for ci in 0..<c {
                        for i in 0..<6 { filterGT(du + ((6 * i) * k + f) * c + ci, stride: k * c, into: t + 3 * i, stride: 1) }
                        let out = dWeight + (f * c + ci) * 9
                        for j in 0..<3 { filterGT(UnsafePointer(t + j), stride: 3, into: out + j, stride: 3) }
                    }
                }
            }
        }
    }
}

// MARK: the 1-D transforms of F(4x4, 3x3), interpolation points 0, ±1, ±2, ∞

/// G g for one column g of a 3x3 filter: G = [[¼,0,0],[-⅙,-⅙,-⅙],[-⅙,⅙,-⅙],[1/24,1/12,⅙],[1/24,-1/12,⅙],[0,0,1]].
@inline(__always) private func filterG(_ g0: Float, _ g1: Float, _ g2: Float, into out: UnsafeMutablePointer<Float>, stride: Int) {
    out[0] = g0 / 4
    out[stride] = -(g0 + g1 + g2) / 6
    out[2 * stride] = -(g0 - g1 + g2) / 6
    out[3 * stride] = g0 / 24 + g1 / 12 + g2 / 6
    out[4 * stride] = g0 / 24 - g1 / 12 + g2 / 6
    out[5 * stride] = g2
}

/// Gᵀ u (6 -> 3), the adjoint of `filterG`.
@inline(__always) private func filterGT(_ u: UnsafePointer<Float>, stride s: Int, into out: UnsafeMutablePointer<Float>, stride: Int) {
    let (u0, u1, u2, u3, u4, u5) = (u[0], u[s], u[2 * s], u[3 * s], u[4 * s], u[5 * s])
    out[0] = u0 / 4 - u1 / 6 - u2 / 6 + u3 / 24 + u4 / 24
    out[stride] = -u1 / 6 + u2 / 6 + u3 / 12 - u4 / 12
    out[2 * stride] = -u1 / 6 - u2 / 6 + u3 / 6 + u4 / 6 + u5
}

/// Six SIMD8 values: one row or column of a 6x6 tile, for eight channels.
private struct Six {
    var x0, x1, x2, x3, x4, x5: SIMD8<Float>

    @inline(__always) init(_ x0: SIMD8<Float>, _ x1: SIMD8<Float>, _ x2: SIMD8<Float>,
                           _ x3: SIMD8<Float>, _ x4: SIMD8<Float>, _ x5: SIMD8<Float>) {
        (self.x0, self.x1, self.x2, self.x3, self.x4, self.x5) = (x0, x1, x2, x3, x4, x5)
    }

    @inline(__always) init(from p: UnsafePointer<SIMD8<Float>>, stride: Int) {
        self.init(p[0], p[stride], p[2 * stride], p[3 * stride], p[4 * stride], p[5 * stride])
    }

    @inline(__always) init(from p: UnsafePointer<Float>, stride: Int) {
        self.init(load8(p), load8(p + stride), load8(p + 2 * stride), load8(p + 3 * stride),
                  load8(p + 4 * stride), load8(p + 5 * stride))
    }

    @inline(__always) func store(into p: UnsafeMutablePointer<SIMD8<Float>>, stride: Int) {
        p[0] = x0; p[stride] = x1; p[2 * stride] = x2; p[3 * stride] = x3; p[4 * stride] = x4; p[5 * stride] = x5
    }

    @inline(__always) func store(to p: UnsafeMutablePointer<Float>, stride: Int) {
        store8(x0, p); store8(x1, p + stride); store8(x2, p + 2 * stride)
        store8(x3, p + 3 * stride); store8(x4, p + 4 * stride); store8(x5, p + 5 * stride)
    }

    @inline(__always) func accumulate(into p: UnsafeMutablePointer<Float>, stride: Int) {
        store8(load8(p) + x0, p)
        store8(load8(p + stride) + x1, p + stride)
        store8(load8(p + 2 * stride) + x2, p + 2 * stride)
        store8(load8(p + 3 * stride) + x3, p + 3 * stride)
        store8(load8(p + 4 * stride) + x4, p + 4 * stride)
        store8(load8(p + 5 * stride) + x5, p + 5 * stride)
    }

    /// Bᵀ x with Bᵀ = [[4,0,-5,0,1,0],[0,-4,-4,1,1,0],[0,4,-4,-1,1,0],[0,-2,-1,2,1,0],[0,2,-1,-2,1,0],[0,4,0,-5,0,1]].
    @inline(__always) func bt() -> Six {
        let a = x4 - 4 * x2, b = x3 - 4 * x1, c = x4 - x2, d = 2 * (x3 - x1)
        return Six(4 * x0 - 5 * x2 + x4, a + b, a - b, c + d, c - d, 4 * x1 - 5 * x3 + x5)
    }

    /// B x, the adjoint of `bt`.
    @inline(__always) func b() -> Six {
        let p12: SIMD8<Float> = x1 + x2, p34: SIMD8<Float> = x3 + x4
        let y1: SIMD8<Float> = 4 * (x2 - x1 + x5) + 2 * (x4 - x3)
        let y2: SIMD8<Float> = -5 * x0 - 4 * p12 - p34
        let y3: SIMD8<Float> = (x1 - x2) + 2 * (x3 - x4) - 5 * x5
        return Six(4 * x0, y1, y2, y3, x0 + p12 + p34, x5)
    }

    /// Aᵀ x (6 -> 4) with Aᵀ = [[1,1,1,1,1,0],[0,1,-1,2,-2,0],[0,1,1,4,4,0],[0,1,-1,8,-8,1]].
    @inline(__always) func at() -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        let p12 = x1 + x2, m12 = x1 - x2, p34 = x3 + x4, m34 = x3 - x4
        return (x0 + p12 + p34, m12 + 2 * m34, p12 + 4 * p34, m12 + 8 * m34 + x5)
    }

    /// A x (4 -> 6), the adjoint of `at`.
    @inline(__always) static func a(_ y0: SIMD8<Float>, _ y1: SIMD8<Float>, _ y2: SIMD8<Float>, _ y3: SIMD8<Float>) -> Six {
        let even = y0 + y2, odd = y1 + y3, even4: SIMD8<Float> = y0 + 4 * y2, odd8: SIMD8<Float> = 2 * y1 + 8 * y3
        return Six(y0, even + odd, even - odd, even4 + odd8, even4 - odd8, y3)
    }
}

@inline(__always) private func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always) private func load8(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> { load8(UnsafePointer(p)) }

@inline(__always) private func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

// Lane moves with constant indices, which the compiler turns into shuffles (a variable lane index
// goes through memory).

@inline(__always) private func gather8(_ p: UnsafePointer<Float>, _ stride: Int) -> SIMD8<Float> {
    SIMD8(p[0], p[stride], p[2 * stride], p[3 * stride], p[4 * stride], p[5 * stride], p[6 * stride], p[7 * stride])
}

@inline(__always) private func scatter8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ stride: Int) {
    p[0] = v[0]; p[stride] = v[1]; p[2 * stride] = v[2]; p[3 * stride] = v[3]
    p[4 * stride] = v[4]; p[5 * stride] = v[5]; p[6 * stride] = v[6]; p[7 * stride] = v[7]
}

/// Four output columns for eight channels: lane l of (v0, v1, v2, v3) is the 4-pixel run of channel l.
@inline(__always) private func storeColumns(_ v0: SIMD8<Float>, _ v1: SIMD8<Float>, _ v2: SIMD8<Float>, _ v3: SIMD8<Float>,
                                            to row: UnsafeMutablePointer<Float>, plane: Int) {
    @inline(__always) func put(_ l: Int, _ x: SIMD4<Float>) {
        UnsafeMutableRawPointer(row + l * plane).storeBytes(of: x, as: SIMD4<Float>.self)
    }
    put(0, SIMD4(v0[0], v1[0], v2[0], v3[0])); put(1, SIMD4(v0[1], v1[1], v2[1], v3[1]))
    put(2, SIMD4(v0[2], v1[2], v2[2], v3[2])); put(3, SIMD4(v0[3], v1[3], v2[3], v3[3]))
    put(4, SIMD4(v0[4], v1[4], v2[4], v3[4])); put(5, SIMD4(v0[5], v1[5], v2[5], v3[5]))
    put(6, SIMD4(v0[6], v1[6], v2[6], v3[6])); put(7, SIMD4(v0[7], v1[7], v2[7], v3[7]))
}
