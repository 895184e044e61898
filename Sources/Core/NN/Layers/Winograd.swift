/// 3x3 "same" convolution (stride 1, padding 1) by Winograd's minimal filtering F(2x2, 3x3)
/// (Lavin & Gray, 2015): each 2x2 output tile costs 16 multiplies instead of 36, so the three
/// SGEMM-bound passes of training (forward, input gradient, weight gradient) each do 2.25x fewer FLOPs.
///
/// With tiles p = (n, ty, tx) and the 16 points ξ of the 4x4 transform domain:
///   U[ξ] = (G g Gᵀ)[ξ]            [K, C]  filters
///   V[ξ] = (Bᵀ d_p B)[ξ]          [C, P]  input tiles (4x4, overlapping by 2)
///   M[ξ] = U[ξ] · V[ξ]            [K, P]  16 SGEMMs
///   y_p  = Aᵀ M_p A + bias         2x2 output tile
/// Backward is the exact adjoint of each step:
///   dM_p = A dy_p Aᵀ,  dU[ξ] = dM[ξ] · V[ξ]ᵀ,  dg = Gᵀ dU G,
///   dV[ξ] = U[ξ]ᵀ · dM[ξ],  dx += B dV_p Bᵀ (tiles overlap: scatter-add within each plane).
/// Every output element is produced by one thread in a fixed order, so bits do not depend on threads.
final class WinogradConv3x3 {
    let inChannels: Int, outChannels: Int
    private var u: [Float] = []        // [16][K][C]
    private var v: [Float] = []        // [16][C][P]; reused for dV in backward
    private var m: [Float] = []        // [16][K][P]; reused for dM in backward
    private var padded: [Float] = []   // [C*N][Hp][Wp] input with a zero border (and dx accumulator)
    private var du: [Float] = []       // [16][K][C]
    private var geometry = Geometry(n: 0, h: 0, w: 0)

    struct Geometry: Equatable {
        let n: Int, h: Int, w: Int
        var th: Int { (h + 1) / 2 }
        var tw: Int { (w + 1) / 2 }
        var tilesPerPlane: Int { th * tw }
        var tiles: Int { n * th * tw }
        var hp: Int { 2 * th + 2 }
        /// Padded rows are wide enough for 8-tile vector loads past the last tile.
        var wp: Int { 2 * ((tw + 7) / 8 * 8) + 2 }
    }

    init(inChannels: Int, outChannels: Int) {
        self.inChannels = inChannels
        self.outChannels = outChannels
    }

    private func plan(_ g: Geometry) {
        guard g != geometry else { return }
        geometry = g
        let (c, k, p) = (inChannels, outChannels, g.tiles)
        u = [Float](repeating: 0, count: 16 * k * c)
        du = [Float](repeating: 0, count: 16 * k * c)
        v = [Float](repeating: 0, count: 16 * c * p)
        m = [Float](repeating: 0, count: 16 * k * p)
        padded = [Float](repeating: 0, count: c * g.n * g.hp * g.wp)
    }

    /// x [C, N, H, W] -> y [K, N, H, W]. `weight` is [K, C*9] in (c, ky, kx) order.
    func forward(x: UnsafePointer<Float>, n: Int, h: Int, w: Int, weight: UnsafePointer<Float>,
                 bias: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        let g = Geometry(n: n, h: h, w: w)
        plan(g)
        let (c, k, p) = (inChannels, outChannels, g.tiles)
        u.withUnsafeMutableBufferPointer { transformFilters(weight, into: $0.baseAddress!) }
        v.withUnsafeMutableBufferPointer { vp in
            padded.withUnsafeMutableBufferPointer { pp in
                transformInput(x, g: g, padded: pp.baseAddress!, into: vp.baseAddress!)
            }
        }
        u.withUnsafeBufferPointer { up in
            v.withUnsafeBufferPointer { vp in
                m.withUnsafeMutableBufferPointer { mp in
                    let (ub, vb, mb) = (up.baseAddress!, vp.baseAddress!, mp.baseAddress!)
                    parallelFor(16) { points in
                        for xi in points {
                            BLAS.sgemmSerial(m: k, n: p, k: c, a: ub + xi * k * c, lda: c,
                                             b: vb + xi * c * p, ldb: p, c: mb + xi * k * p, ldc: p)
                        }
                    }
                }
            }
        }
        m.withUnsafeBufferPointer { transformOutput($0.baseAddress!, g: g, bias: bias, into: y) }
    }

    /// Given dy [K, N, H, W] after `forward`: fills dWeight [K, C*9] and, when `dx` is given, dx [C, N, H, W].
    func backward(dy: UnsafePointer<Float>, dWeight: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>?) {
        let g = geometry
        let (c, k, p) = (inChannels, outChannels, g.tiles)
        m.withUnsafeMutableBufferPointer { transformOutputGradient(dy, g: g, into: $0.baseAddress!) }
        m.withUnsafeBufferPointer { mp in
            v.withUnsafeBufferPointer { vp in
                du.withUnsafeMutableBufferPointer { dup in
                    let (mb, vb, db) = (mp.baseAddress!, vp.baseAddress!, dup.baseAddress!)
                    parallelFor(16) { points in
                        for xi in points {
                            BLAS.sgemmSerial(transB: true, m: k, n: c, k: p, a: mb + xi * k * p, lda: p,
                                             b: vb + xi * c * p, ldb: p, c: db + xi * k * c, ldc: c)
                        }
                    }
                }
            }
        }
        du.withUnsafeBufferPointer { transformFilterGradient($0.baseAddress!, into: dWeight) }
        guard let dx else { return }
        // dV overwrites V, which nothing needs any more.
        u.withUnsafeBufferPointer { up in
            m.withUnsafeBufferPointer { mp in
                v.withUnsafeMutableBufferPointer { vp in
                    let (ub, mb, vb) = (up.baseAddress!, mp.baseAddress!, vp.baseAddress!)
                    parallelFor(16) { points in
                        for xi in points {
                            BLAS.sgemmSerial(transA: true, m: c, n: p, k: k, a: ub + xi * k * c, lda: c,
                                             b: mb + xi * k * p, ldb: p, c: vb + xi * c * p, ldc: p)
                        }
                    }
                }
            }
        }
        v.withUnsafeBufferPointer { vp in
            padded.withUnsafeMutableBufferPointer { pp in
                transformInputGradient(vp.baseAddress!, g: g, padded: pp.baseAddress!, into: dx)
            }
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
    /// whose top-left corner is (2ty-1, 2tx-1). The input is first copied into a zero-bordered plane;
    /// eight neighbouring tiles are transformed at once, one SIMD lane each.
    private func transformInput(_ x: UnsafePointer<Float>, g: Geometry, padded: UnsafeMutablePointer<Float>,
                                into v: UnsafeMutablePointer<Float>) {
        let (c, n, h, w, hp, wp, p) = (inChannels, g.n, g.h, g.w, g.hp, g.wp, g.tiles)
        let plane = c * p // stride between transform points
        parallelFor(c * n) { planes in
            for pl in planes {
                let ci = pl / n, b = pl % n
                let src = x + pl * h * w, pad = padded + pl * hp * wp
                // Interior rows 1...h, columns 1...w; the border stays zero from planning.
                for r in 0..<h { (pad + (r + 1) * wp + 1).update(from: src + r * w, count: w) }
                let out = v + ci * p + b * g.tilesPerPlane
                for ty in 0..<g.th {
                    let row = pad + 2 * ty * wp
                    for tx in stride(from: 0, to: g.tw, by: 8) {
                        let lanes = min(8, g.tw - tx)
                        // d[i][j]: patch row i, column j, for 8 tiles (columns 2tx + j of the padded plane).
                        func patchRow(_ i: Int) -> Quad {
                            let a = load16(row + i * wp + 2 * tx), b = load16(row + i * wp + 2 * tx + 2)
                            return Quad(a.evenHalf, a.oddHalf, b.evenHalf, b.oddHalf)
                        }
                        let (d0, d1, d2, d3) = (patchRow(0), patchRow(1), patchRow(2), patchRow(3))
                        let base = out + ty * g.tw + tx
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
    }

    /// dx_patch = B dV_p Bᵀ, scatter-added into a zero-bordered plane, whose interior is dx.
    private func transformInputGradient(_ dv: UnsafePointer<Float>, g: Geometry, padded: UnsafeMutablePointer<Float>,
                                        into dx: UnsafeMutablePointer<Float>) {
        let (c, n, h, w, hp, wp, p) = (inChannels, g.n, g.h, g.w, g.hp, g.wp, g.tiles)
        let plane = c * p
        parallelFor(c * n) { planes in
            for pl in planes {
                let ci = pl / n, b = pl % n
                let pad = padded + pl * hp * wp
                pad.update(repeating: 0, count: hp * wp)
                let src = dv + ci * p + b * g.tilesPerPlane
                for ty in 0..<g.th {
                    let row = pad + 2 * ty * wp
                    for tx in stride(from: 0, to: g.tw, by: 8) {
                        let lanes = min(8, g.tw - tx)
                        let q = src + ty * g.tw + tx
                        // B applied along row i of dV: (x0, x1-x2+x3, -x0+x1+x2, -x3).
                        func dvRow(_ i: Int) -> Quad {
                            let d0 = load8(q + (4 * i) * plane, lanes), d1 = load8(q + (4 * i + 1) * plane, lanes)
                            let d2 = load8(q + (4 * i + 2) * plane, lanes), d3 = load8(q + (4 * i + 3) * plane, lanes)
                            return Quad(d0, d1 - d2 + d3, d1 + d2 - d0, -d3)
                        }
                        let (a0, a1, a2, a3) = (dvRow(0), dvRow(1), dvRow(2), dvRow(3))
                        // Then B down the columns; each output row adds into padded row 2ty + i.
                        func add(_ o: Quad, _ i: Int) {
                            let r = row + i * wp + 2 * tx
                            store16(load16(r) + interleave(o.x0, o.x1), r)
                            store16(load16(r + 2) + interleave(o.x2, o.x3), r + 2)
                        }
                        add(a0, 0); add(a1 - a2 + a3, 1); add(a1 + a2 - a0, 2); add(-a3, 3)
                    }
                }
                let dst = dx + pl * h * w
                for r in 0..<h { (dst + r * w).update(from: pad + (r + 1) * wp + 1, count: w) }
            }
        }
        // The forward pass needs the border of `padded` zero again.
        let total = c * n * hp * wp
        parallelFor(total, minChunk: 1 << 16) { r in (padded + r.lowerBound).update(repeating: 0, count: r.count) }
    }

    /// y_p = Aᵀ M_p A + bias with Aᵀ = [[1,1,1,0],[0,1,-1,-1]]; the tile's ragged edge is dropped.
    private func transformOutput(_ m: UnsafePointer<Float>, g: Geometry, bias: UnsafePointer<Float>,
                                 into y: UnsafeMutablePointer<Float>) {
        let (k, n, h, w, p) = (outChannels, g.n, g.h, g.w, g.tiles)
        let plane = k * p
        parallelFor(k * n) { planes in
            for pl in planes {
                let f = pl / n, b = pl % n
                let src = m + f * p + b * g.tilesPerPlane, dst = y + pl * h * w, bf = SIMD8<Float>(repeating: bias[f])
                for ty in 0..<g.th {
                    for tx in stride(from: 0, to: g.tw, by: 8) {
                        let lanes = min(8, g.tw - tx)
                        let q = src + ty * g.tw + tx
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
    }

    /// dM_p = A dy_p Aᵀ, the adjoint of `transformOutput` (outputs beyond the edge have zero gradient).
    private func transformOutputGradient(_ dy: UnsafePointer<Float>, g: Geometry, into dm: UnsafeMutablePointer<Float>) {
        let (k, n, h, w, p) = (outChannels, g.n, g.h, g.w, g.tiles)
        let plane = k * p
        parallelFor(k * n) { planes in
            for pl in planes {
                let f = pl / n, b = pl % n
                let src = dy + pl * h * w, out = dm + f * p + b * g.tilesPerPlane
                for ty in 0..<g.th {
                    for tx in stride(from: 0, to: g.tw, by: 8) {
                        let lanes = min(8, g.tw - tx)
                        let oy = 2 * ty, ox = 2 * tx, count = min(16, w - ox)
                        let top = load16(src + oy * w + ox, count)
                        let bottom = oy + 1 < h ? load16(src + (oy + 1) * w + ox, count) : SIMD16<Float>()
                        let (g00, g01, g10, g11) = (top.evenHalf, top.oddHalf, bottom.evenHalf, bottom.oddHalf)
                        // A g: rows (g0, g0+g1, g0-g1, -g1) of the 2x2 tile, then the same along each row.
                        let q = out + ty * g.tw + tx
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
