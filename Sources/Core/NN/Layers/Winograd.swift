/// 3x3 "same" convolution (stride 1, padding 1) by Winograd's minimal filtering F(2x2, 3x3)
/// (Lavin & Gray, 2015): each 2x2 output tile costs 16 multiplies instead of 36, so the three
/// SGEMM-bound passes of training (forward, input gradient, weight gradient) each do 2.25x fewer FLOPs.
///
/// With tiles p = (ty, tx) of one image and the 16 points ξ of the 4x4 transform domain:
///   U[ξ] = (G g Gᵀ)[ξ]            [K, C]  filters
///   V[ξ] = (Bᵀ d_p B)[ξ]          [C, P]  input tiles (4x4, overlapping by 2)
///   M[ξ] = U[ξ] · V[ξ]            [K, P]  16 SGEMMs
///   y_p  = Aᵀ M_p A + bias         2x2 output tile
/// Backward is the exact adjoint of each step:
///   dM_p = A dy_p Aᵀ,  dU[ξ] = Σ_p dM[ξ] · V[ξ]ᵀ,  dg = Gᵀ dU G,
///   dV[ξ] = U[ξ]ᵀ · dM[ξ],  dx += B dV_p Bᵀ (tiles overlap: scatter-add within each plane).
///
/// Work goes image by image, a block of tile rows at a time, so V and M stay in cache and the 16
/// SGEMMs are the small, cache-resident kind OpenBLAS runs near peak (one large product per ξ over the
/// whole batch ran at half the speed). Backward recomputes V rather than keeping it. Images are split
/// into fixed chunks; each chunk sums its own dU in a fixed order and the chunks' sums are added in
/// chunk order, so the bits do not depend on the thread count.
final class WinogradConv3x3 {
    let inChannels: Int, outChannels: Int
    private var u: [Float] = []            // [16][K][C]
    private var geometry = Geometry(n: 0, h: 0, w: 0, k: 0)
    private var scratch = Scratch()

    struct Geometry: Equatable {
        let n: Int, h: Int, w: Int
        let k: Int // output channels, for the block size
        var th: Int { (h + 1) / 2 }
        var tw: Int { (w + 1) / 2 }
        var hp: Int { 2 * th + 2 }
        /// Padded rows are wide enough for 8-tile vector loads past the last tile.
        var wp: Int { 2 * ((tw + 7) / 8 * 8) + 2 }
        /// Tile rows per block: about 192 tiles, which keeps a block's V and M within L2.
        var blockRows: Int { max(1, min(th, 192 / tw)) }
        var blockTiles: Int { blockRows * tw }
    }

    /// Per-chunk buffers, one slice per chunk of images; raw memory so chunks can write concurrently.
    private struct Scratch {
        var chunks = 0
        var padIn: UnsafeMutablePointer<Float>?   // [chunk][C][hp][wp]: the image with a zero border
        var padDx: UnsafeMutablePointer<Float>?   // [chunk][C][hp][wp]: dx accumulator
        var v: UnsafeMutablePointer<Float>?       // [chunk][16][C][B]; dV in backward
        var m: UnsafeMutablePointer<Float>?       // [chunk][16][K][B]; dM in backward
        var du: UnsafeMutablePointer<Float>?      // [chunk][16][K][C]
        var padSize = 0, vSize = 0, mSize = 0, duSize = 0

        mutating func free() {
            for p in [padIn, padDx, v, m, du] { p?.deallocate() }
            self = Scratch()
        }
    }

    init(inChannels: Int, outChannels: Int) {
        self.inChannels = inChannels
        self.outChannels = outChannels
    }

    deinit { scratch.free() }

    private func plan(_ g: Geometry) {
        guard g != geometry else { return }
        geometry = g
        let (c, k) = (inChannels, outChannels)
        u = [Float](repeating: 0, count: 16 * k * c)
        scratch.free()
        let chunks = fixedChunkCount(g.n)
        func zeroed(_ count: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
            p.initialize(repeating: 0, count: count)
            return p
        }
        scratch.chunks = chunks
        scratch.padSize = c * g.hp * g.wp
        scratch.vSize = 16 * c * g.blockTiles
        scratch.mSize = 16 * k * g.blockTiles
        scratch.duSize = 16 * k * c
        scratch.padIn = zeroed(chunks * scratch.padSize)
        scratch.padDx = zeroed(chunks * scratch.padSize)
        scratch.v = zeroed(chunks * scratch.vSize)
        scratch.m = zeroed(chunks * scratch.mSize)
        scratch.du = zeroed(chunks * scratch.duSize)
    }

    /// x [C, N, H, W] -> y [K, N, H, W]. `weight` is [K, C*9] in (c, ky, kx) order.
    func forward(x: UnsafePointer<Float>, n: Int, h: Int, w: Int, weight: UnsafePointer<Float>,
                 bias: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        let g = Geometry(n: n, h: h, w: w, k: outChannels)
        plan(g)
        let (c, k) = (inChannels, outChannels)
        u.withUnsafeMutableBufferPointer { transformFilters(weight, into: $0.baseAddress!) }
        let s = scratch
        u.withUnsafeBufferPointer { up in
            let ub = up.baseAddress!
            parallelChunks(n) { chunk, images in
                let pad = s.padIn! + chunk * s.padSize, v = s.v! + chunk * s.vSize, m = s.m! + chunk * s.mSize
                for b in images {
                    loadImage(x, image: b, g: g, into: pad)
                    for ty0 in stride(from: 0, to: g.th, by: g.blockRows) {
                        let rows = min(g.blockRows, g.th - ty0), tiles = rows * g.tw
                        transformInput(pad, g: g, rows: ty0..<(ty0 + rows), into: v)
                        for xi in 0..<16 {
                            BLAS.sgemmSerial(m: k, n: tiles, k: c, a: ub + xi * k * c, lda: c,
                                             b: v + xi * c * tiles, ldb: tiles, c: m + xi * k * tiles, ldc: tiles)
                        }
                        transformOutput(m, g: g, image: b, rows: ty0..<(ty0 + rows), bias: bias, into: y)
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
        let (c, k, n) = (inChannels, outChannels, g.n)
        let s = scratch
        u.withUnsafeBufferPointer { up in
            let ub = up.baseAddress!
            parallelChunks(n) { chunk, images in
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
                        for xi in 0..<16 { // dU[ξ] += dM[ξ] · V[ξ]ᵀ
                            BLAS.sgemmSerial(transB: true, m: k, n: c, k: tiles, a: m + xi * k * tiles, lda: tiles,
                                             b: v + xi * c * tiles, ldb: tiles, beta: 1, c: du + xi * k * c, ldc: c)
                        }
                        guard dx != nil else { continue }
                        for xi in 0..<16 { // dV[ξ] = U[ξ]ᵀ · dM[ξ], over V
                            BLAS.sgemmSerial(transA: true, m: c, n: tiles, k: k, a: ub + xi * k * c, lda: c,
                                             b: m + xi * k * tiles, ldb: tiles, c: v + xi * c * tiles, ldc: tiles)
                        }
                        transformInputGradient(v, g: g, rows: rows, into: padDx)
                    }
                    if let dx { storeImage(padDx, image: b, g: g, into: dx) }
                }
            }
        }
        // The chunks' partial dU, added in chunk order.
        let total = s.du!
        for chunk in 1..<max(1, s.chunks) {
            let part = s.du! + chunk * s.duSize
            for i in 0..<s.duSize { total[i] += part[i] }
        }
        transformFilterGradient(total, into: dWeight)
    }

    // MARK: images

    /// The C planes of image b into a zero-bordered buffer (interior rows 1...h, columns 1...w).
    private func loadImage(_ x: UnsafePointer<Float>, image b: Int, g: Geometry, into pad: UnsafeMutablePointer<Float>) {
        for ci in 0..<inChannels {
            let src = x + (ci * g.n + b) * g.h * g.w, dst = pad + ci * g.hp * g.wp
            for r in 0..<g.h { (dst + (r + 1) * g.wp + 1).update(from: src + r * g.w, count: g.w) }
        }
    }

    /// The interior of a zero-bordered dx accumulator into image b of dx.
    private func storeImage(_ pad: UnsafeMutablePointer<Float>, image b: Int, g: Geometry, into dx: UnsafeMutablePointer<Float>) {
        for ci in 0..<inChannels {
            let src = pad + ci * g.hp * g.wp, dst = dx + (ci * g.n + b) * g.h * g.w
            for r in 0..<g.h { (dst + r * g.w).update(from: src + (r + 1) * g.wp + 1, count: g.w) }
        }
    }

    // MARK: transforms

    /// U = G g Gᵀ with G = [[1,0,0],[½,½,½],[½,-½,½],[0,0,1]].
    private func transformFilters(_ weight: UnsafePointer<Float>, into u: UnsafeMutablePointer<Float>) {
        let (c, k) = (inChannels, outChannels)
        var t = [Float](repeating: 0, count: 12) // G g: 4 rows x 3 columns
        for f in 0..<k {
            for ci in 0..<c {
                let g = weight + (f * c + ci) * 9
                for j in 0..<3 {
                    let (g0, g1, g2) = (g[j], g[3 + j], g[6 + j])
                    t[j] = g0
                    t[3 + j] = 0.5 * (g0 + g1 + g2)
                    t[6 + j] = 0.5 * (g0 - g1 + g2)
                    t[9 + j] = g2
                }
                for i in 0..<4 {
                    let (t0, t1, t2) = (t[3 * i], t[3 * i + 1], t[3 * i + 2])
                    let at = { (j: Int) in ((i * 4 + j) * k + f) * c + ci }
                    u[at(0)] = t0
                    u[at(1)] = 0.5 * (t0 + t1 + t2)
                    u[at(2)] = 0.5 * (t0 - t1 + t2)
                    u[at(3)] = t2
                }
            }
        }
    }

    /// dg = Gᵀ dU G, the adjoint of `transformFilters`.
    private func transformFilterGradient(_ du: UnsafePointer<Float>, into dWeight: UnsafeMutablePointer<Float>) {
        let (c, k) = (inChannels, outChannels)
        var t = [Float](repeating: 0, count: 12) // Gᵀ dU: 3 rows x 4 columns
        for f in 0..<k {
            for ci in 0..<c {
                for j in 0..<4 {
                    let d0 = du[((0 * 4 + j) * k + f) * c + ci], d1 = du[((1 * 4 + j) * k + f) * c + ci]
                    let d2 = du[((2 * 4 + j) * k + f) * c + ci], d3 = du[((3 * 4 + j) * k + f) * c + ci]
                    t[j] = d0 + 0.5 * (d1 + d2)
                    t[4 + j] = 0.5 * (d1 - d2)
                    t[8 + j] = 0.5 * (d1 + d2) + d3
                }
                let out = dWeight + (f * c + ci) * 9
                for i in 0..<3 {
                    let (d0, d1, d2, d3) = (t[4 * i], t[4 * i + 1], t[4 * i + 2], t[4 * i + 3])
                    out[3 * i] = d0 + 0.5 * (d1 + d2)
                    out[3 * i + 1] = 0.5 * (d1 - d2)
                    out[3 * i + 2] = 0.5 * (d1 + d2) + d3
                }
            }
        }
    }

    /// V_p = Bᵀ d_p B with Bᵀ = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]], d_p the 4x4 input patch
    /// whose top-left corner is (2ty-1, 2tx-1), for the tile rows of one block; V is [16][C][tiles].
    /// Eight neighbouring tiles are transformed at once, one SIMD lane each.
    private func transformInput(_ pad: UnsafeMutablePointer<Float>, g: Geometry, rows: Range<Int>,
                                into v: UnsafeMutablePointer<Float>) {
        let tiles = rows.count * g.tw, plane = inChannels * tiles, wp = g.wp
        for ci in 0..<inChannels {
            let src = pad + ci * g.hp * wp, out = v + ci * tiles
            for ty in rows {
                let row = src + 2 * ty * wp
                for tx in stride(from: 0, to: g.tw, by: 8) {
                    let lanes = min(8, g.tw - tx)
                    // d[i][j]: patch row i, column j, for 8 tiles (columns 2tx + j of the padded plane).
                    func patchRow(_ i: Int) -> Quad {
                        let a = load16(row + i * wp + 2 * tx), b = load16(row + i * wp + 2 * tx + 2)
                        return Quad(a.evenHalf, a.oddHalf, b.evenHalf, b.oddHalf)
                    }
                    let (d0, d1, d2, d3) = (patchRow(0), patchRow(1), patchRow(2), patchRow(3))
                    let base = out + (ty - rows.lowerBound) * g.tw + tx
                    func emit(_ t: Quad, _ i: Int) { // (Bᵀ d) B along the row
                        store8(t.x0 - t.x2, base + (4 * i) * plane, lanes)
                        store8(t.x1 + t.x2, base + (4 * i + 1) * plane, lanes)
                        store8(t.x2 - t.x1, base + (4 * i + 2) * plane, lanes)
                        store8(t.x1 - t.x3, base + (4 * i + 3) * plane, lanes)
                    }
                    emit(d0 - d2, 0); emit(d1 + d2, 1); emit(d2 - d1, 2); emit(d1 - d3, 3)
                }
            }
        }
    }

    /// dx_patch = B dV_p Bᵀ, scatter-added into the zero-bordered dx accumulator of one image.
    private func transformInputGradient(_ dv: UnsafeMutablePointer<Float>, g: Geometry, rows: Range<Int>,
                                        into pad: UnsafeMutablePointer<Float>) {
        let tiles = rows.count * g.tw, plane = inChannels * tiles, wp = g.wp
        for ci in 0..<inChannels {
            let src = dv + ci * tiles, dst = pad + ci * g.hp * wp
            for ty in rows {
                let row = dst + 2 * ty * wp
                for tx in stride(from: 0, to: g.tw, by: 8) {
                    let lanes = min(8, g.tw - tx)
                    let q = UnsafePointer(src + (ty - rows.lowerBound) * g.tw + tx)
                    // B applied along row i of dV: (x0, x1-x2+x3, -x0+x1+x2, -x3).
                    func dvRow(_ i: Int) -> Quad {
                        let d0 = load8(q + (4 * i) * plane, lanes), d1 = load8(q + (4 * i + 1) * plane, lanes)
                        let d2 = load8(q + (4 * i + 2) * plane, lanes), d3 = load8(q + (4 * i + 3) * plane, lanes)
                        return Quad(d0, d1 - d2 + d3, d1 + d2 - d0, -d3)
                    }
                    let (a0, a1, a2, a3) = (dvRow(0), dvRow(1), dvRow(2), dvRow(3))
                    // Then B down the columns; output row i adds into padded row 2ty + i.
                    func add(_ o: Quad, _ i: Int) {
                        let r = row + i * wp + 2 * tx
                        store16(load16(r) + interleave(o.x0, o.x1), r)
                        store16(load16(r + 2) + interleave(o.x2, o.x3), r + 2)
                    }
                    add(a0, 0); add(a1 - a2 + a3, 1); add(a1 + a2 - a0, 2); add(-a3, 3)
                }
            }
        }
    }

    /// y_p = Aᵀ M_p A + bias with Aᵀ = [[1,1,1,0],[0,1,-1,-1]], for one block of image b; the tile's
    /// ragged edge is dropped.
    private func transformOutput(_ m: UnsafeMutablePointer<Float>, g: Geometry, image b: Int, rows: Range<Int>,
                                 bias: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>) {
        let tiles = rows.count * g.tw, plane = outChannels * tiles, (h, w) = (g.h, g.w)
        for f in 0..<outChannels {
            let src = UnsafePointer(m + f * tiles), dst = y + (f * g.n + b) * h * w
            let bf = SIMD8<Float>(repeating: bias[f])
            for ty in rows {
                for tx in stride(from: 0, to: g.tw, by: 8) {
                    let lanes = min(8, g.tw - tx)
                    let q = src + (ty - rows.lowerBound) * g.tw + tx
                    func row(_ i: Int) -> (SIMD8<Float>, SIMD8<Float>) { // row i of M times A
                        let m0 = load8(q + (4 * i) * plane, lanes), m1 = load8(q + (4 * i + 1) * plane, lanes)
                        let m2 = load8(q + (4 * i + 2) * plane, lanes), m3 = load8(q + (4 * i + 3) * plane, lanes)
                        return (m0 + m1 + m2, m1 - m2 - m3)
                    }
                    let (c0, c1, c2, c3) = (row(0), row(1), row(2), row(3))
                    let oy = 2 * ty, ox = 2 * tx, count = min(16, w - ox)
                    store16(interleave(c0.0 + c1.0 + c2.0 + bf, c0.1 + c1.1 + c2.1 + bf), dst + oy * w + ox, count)
                    if oy + 1 < h {
                        store16(interleave(c1.0 - c2.0 - c3.0 + bf, c1.1 - c2.1 - c3.1 + bf), dst + (oy + 1) * w + ox, count)
                    }
                }
            }
        }
    }

    /// dM_p = A dy_p Aᵀ, the adjoint of `transformOutput` (outputs beyond the edge have zero gradient).
    private func transformOutputGradient(_ dy: UnsafePointer<Float>, g: Geometry, image b: Int, rows: Range<Int>,
                                         into dm: UnsafeMutablePointer<Float>) {
        let tiles = rows.count * g.tw, plane = outChannels * tiles, (h, w) = (g.h, g.w)
        for f in 0..<outChannels {
            let src = dy + (f * g.n + b) * h * w, out = dm + f * tiles
            for ty in rows {
                for tx in stride(from: 0, to: g.tw, by: 8) {
                    let lanes = min(8, g.tw - tx)
                    let oy = 2 * ty, ox = 2 * tx, count = min(16, w - ox)
                    let top = load16(src + oy * w + ox, count)
                    let bottom = oy + 1 < h ? load16(src + (oy + 1) * w + ox, count) : SIMD16<Float>()
                    let (g00, g01, g10, g11) = (top.evenHalf, top.oddHalf, bottom.evenHalf, bottom.oddHalf)
                    // A g: rows (g0, g0+g1, g0-g1, -g1) of the 2x2 tile, then the same along each row.
                    let q = out + (ty - rows.lowerBound) * g.tw + tx
                    func emit(_ x0: SIMD8<Float>, _ x1: SIMD8<Float>, _ i: Int) {
                        store8(x0, q + (4 * i) * plane, lanes)
                        store8(x0 + x1, q + (4 * i + 1) * plane, lanes)
                        store8(x0 - x1, q + (4 * i + 2) * plane, lanes)
                        store8(-x1, q + (4 * i + 3) * plane, lanes)
                    }
                    emit(g00, g01, 0); emit(g00 + g10, g01 + g11, 1); emit(g00 - g10, g01 - g11, 2); emit(-g10, -g11, 3)
                }
            }
        }
    }
}

/// Four SIMD8 values: one row (or column) of a 4x4 tile for eight tiles, with element-wise arithmetic.
private struct Quad {
    var x0, x1, x2, x3: SIMD8<Float>
    init(_ x0: SIMD8<Float>, _ x1: SIMD8<Float>, _ x2: SIMD8<Float>, _ x3: SIMD8<Float>) {
        (self.x0, self.x1, self.x2, self.x3) = (x0, x1, x2, x3)
    }
    static func + (a: Quad, b: Quad) -> Quad { Quad(a.x0 + b.x0, a.x1 + b.x1, a.x2 + b.x2, a.x3 + b.x3) }
    static func - (a: Quad, b: Quad) -> Quad { Quad(a.x0 - b.x0, a.x1 - b.x1, a.x2 - b.x2, a.x3 - b.x3) }
    static prefix func - (a: Quad) -> Quad { Quad(-a.x0, -a.x1, -a.x2, -a.x3) }
}

@inline(__always) private func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}
@inline(__always) private func load16(_ p: UnsafeMutablePointer<Float>) -> SIMD16<Float> { load16(UnsafePointer(p)) }

/// The first `count` values, zeros after them.
@inline(__always) private func load16(_ p: UnsafePointer<Float>, _ count: Int) -> SIMD16<Float> {
    if count >= 16 { return load16(p) }
    var v = SIMD16<Float>()
    for i in 0..<max(0, count) { v[i] = p[i] }
    return v
}

@inline(__always) private func load8(_ p: UnsafePointer<Float>, _ count: Int) -> SIMD8<Float> {
    if count >= 8 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }
    var v = SIMD8<Float>()
    for i in 0..<count { v[i] = p[i] }
    return v
}

@inline(__always) private func store16(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, _ count: Int = 16) {
    if count >= 16 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self); return }
    for i in 0..<max(0, count) { p[i] = v[i] }
}

@inline(__always) private func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
    if count >= 8 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self); return }
    for i in 0..<count { p[i] = v[i] }
}

/// (a0, b0, a1, b1, ...): two columns of tiles back into pixel order.
@inline(__always) private func interleave(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD16<Float> {
    SIMD16(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7])
}
