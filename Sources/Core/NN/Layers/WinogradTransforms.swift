import Kernels

/// The transforms of F(4x4, 3x3) for `WinogradConv3x3`: per tile (eight channels per SIMD lane
/// group) and per filter, each with its adjoint for the backward pass.
extension WinogradConv3x3 {
    // MARK: tile transforms (eight channels per SIMD lane group)

    /// V_p = Bᵀ d_p B, d_p the 6x6 input patch whose top-left corner is (4ty-1, 4tx-1); V is [36][tiles][cp].
    func transformInput(_ pad: UnsafeMutablePointer<Float>, g: Geometry, rows: Range<Int>,
                        into v: UnsafeMutablePointer<Float>) {
        let (cp, wp) = (cp, g.wp)
        let tiles = rows.count * g.tw, point = vPoint(tiles) // stride between transform points
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
    func transformInputGradient(_ dv: UnsafeMutablePointer<Float>, g: Geometry, rows: Range<Int>,
                                into pad: UnsafeMutablePointer<Float>, on context: ExecutionContext) {
        let (cp, wp) = (cp, g.wp)
        let tiles = rows.count * g.tw, point = vPoint(tiles)
        if context.kernels == .avx512 { // the same operations, 16 channels a vector (winograd_avx512.c)
            lab_winograd_input_gradient_avx512(dv, cp, wp, rows.lowerBound, rows.count, g.tw, point, pad)
            return
        }
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
    func transformOutput(_ m: UnsafeMutablePointer<Float>, g: Geometry, image b: Int, rows: Range<Int>,
                         bias: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>) {
        let (k, kp, h, w) = (outChannels, kp, g.h, g.w)
        let tiles = rows.count * g.tw, point = mPoint(tiles), plane = g.n * h * w
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 40) { t in
            let out = t.baseAddress! + 24 // the 4x4 tile
            // Channel group outermost, so the stores stream through eight output planes at a time.
            for k0 in stride(from: 0, to: kp, by: 8) {
                let lanes = min(8, k - k0), bk = biasLanes(bias, from: k0, lanes: lanes)
                for ty in rows {
                    for tx in 0..<g.tw {
                        let src = UnsafePointer(m + ((ty - rows.lowerBound) * g.tw + tx) * kp + k0)
                        let (oy, ox) = (4 * ty, 4 * tx)
                        let outRows = min(4, h - oy), outCols = min(4, w - ox)
                        outputTile(src, point: point, bias: bk, rows: outRows, scratch: t.baseAddress!, into: out)
                        for i in 0..<outRows {
                            let (v0, v1, v2, v3) = (out[4 * i], out[4 * i + 1], out[4 * i + 2], out[4 * i + 3])
                            let row = y + k0 * plane + (b * h + oy + i) * w + ox
                            if outCols == 4 && lanes == 8 {
                                storeColumns(v0, v1, v2, v3, to: row, plane: plane)
                            } else if outCols == 4 {
                                for l in 0..<lanes {
                                    UnsafeMutableRawPointer(row + l * plane).storeBytes(of: SIMD4(v0[l], v1[l], v2[l], v3[l]),
                                                                                        as: SIMD4<Float>.self)
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

    /// The 4x4 output tile reduced on the spot to its four 2x2 max-pool windows, then ReLU: the fused
    /// conv -> pool -> ReLU, same values as the three layers one after another; with `argmax`
    /// (training) also where each maximum came from.
    func transformOutputPooledReLU(_ m: UnsafeMutablePointer<Float>, g: Geometry, image b: Int, rows: Range<Int>,
                                   bias: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
                                   argmax: UnsafeMutablePointer<Int32>?,
                                   stage: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Int32>), on context: ExecutionContext) {
        let (k, kp, ho, wo) = (outChannels, kp, g.h / 2, g.w / 2)
        let tiles = rows.count * g.tw, point = mPoint(tiles), plane = g.n * ho * wo
        let (stage, argmaxStage) = stage
        if context.kernels == .avx512 { // the same sums, 16 channels at a time (Sources/Kernels/winograd_avx512.c)
            let image = b * ho * wo
            lab_winograd_output_pooled_avx512(m, point, kp, k, rows.lowerBound, rows.count, g.tw, ho, wo, g.w, bias,
                                              y + image, argmax.map { $0 + image }, plane, stage, argmaxStage)
            return
        }
        let py0 = 2 * rows.lowerBound
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 40) { t in
            let out = t.baseAddress! + 24 // the 4x4 tile
            // Tile outermost: each transform point's kp channels are one contiguous run, read once
            // (channel group outermost read each M line twice, from L3: 5% slower overall).
            for ty in rows {
                for tx in 0..<g.tw {
                    let tile = (ty - rows.lowerBound) * g.tw + tx
                    for k0 in stride(from: 0, to: kp, by: 8) {
                        let lanes = min(8, k - k0), bk = biasLanes(bias, from: k0, lanes: lanes)
                        let src = UnsafePointer(m + tile * kp + k0)
                        outputTile(src, point: point, bias: bk, rows: 4, scratch: t.baseAddress!, into: out)
                        forEachPooledPixel(ty: ty, tx: tx, ho: ho, wo: wo) { a, c, py, px in
                            let q = out + 8 * a + 2 * c
                            // Staged channels last (lanes past k are never unstaged): 8 lanes
                            // straight to 8 planes a multiple of 4 KiB apart shared one L1 set.
                            let offset = ((py - py0) * wo + px) * kp + k0
                            if argmax != nil { // training: also where each maximum came from
                                let base = SIMD8<Int32>(repeating: Int32(2 * py * g.w + 2 * px))
                                let pooled = maxPoolReLU(q[0], q[1], q[4], q[5], base: base, w: Int32(g.w))
                                store8(pooled.value, stage + offset)
                                UnsafeMutableRawPointer(argmaxStage + offset).storeBytes(of: pooled.at, as: SIMD8<Int32>.self)
                            } else {
                                store8(maxPoolReLU(q[0], q[1], q[4], q[5]), stage + offset)
                            }
                        }
                    }
                }
            }
        }
        let pyEnd = min(2 * rows.upperBound, ho), first = b * ho * wo + py0 * wo
        guard pyEnd > py0 else { return }
        lab_from_channels_last(stage, kp, k, (pyEnd - py0) * wo, y + first, plane, avx2Transposes)
        if let argmax { lab_from_channels_last(argmaxStage, kp, k, (pyEnd - py0) * wo, argmax + first, plane, avx2Transposes) }
    }

    /// dM_p = A dy_p Aᵀ, the adjoint of `transformOutput` (outputs beyond the edge have zero gradient).
    func transformOutputGradient(_ dy: UnsafePointer<Float>, g: Geometry, image b: Int, rows: Range<Int>,
                                 into dm: UnsafeMutablePointer<Float>) {
        let (k, kp, h, w) = (outChannels, kp, g.h, g.w)
        let tiles = rows.count * g.tw, point = mPoint(tiles), plane = g.n * h * w
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
                        outputGradientTile(grad, scratch: rowsA, into: out, point: point)
                    }
                }
            }
        }
    }

    /// `transformOutputGradient` of the map MaxPool2D.backward(_:throughReLUOf:) would write, rebuilt
    /// tile by tile from image b's staged pooled gradient, ReLU output and argmax ([pixel][kp] each):
    /// each 2x2 window's value lands at its argmax as 0 + (relu > 0 ? dy : 0), as the pool's backward
    /// adds it to a zeroed map, and every other position of the tile is 0. The transforms are the same.
    func transformOutputGradientPooled(_ stage: UnsafePointer<Float>, relu: UnsafePointer<Float>, argmax: UnsafePointer<Int32>,
                                       g: Geometry, rows: Range<Int>, into dm: UnsafeMutablePointer<Float>) {
        let (kp, ho, wo) = (kp, g.h / 2, g.w / 2)
        let point = mPoint(rows.count * g.tw), zero = SIMD8<Float>()
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 40) { t in
            let grad = t.baseAddress!, rowsA = t.baseAddress! + 16
            for ty in rows {
                for tx in 0..<g.tw { // tile outermost: the stage's kp channels of a pixel are one run
                    for k0 in stride(from: 0, to: kp, by: 8) {
                        grad.update(repeating: zero, count: 16)
                        forEachPooledPixel(ty: ty, tx: tx, ho: ho, wo: wo) { a, c, py, px in
                            let at = (py * wo + px) * kp + k0
                            let v = zero + load8(stage + at).replacing(with: 0, where: .!(load8(relu + at) .> 0))
                            let whereAt = UnsafeRawPointer(argmax + at).loadUnaligned(as: SIMD8<Int32>.self)
                            for da in 0..<2 {
                                for dc in 0..<2 {
                                    let pos = SIMD8<Int32>(repeating: Int32((2 * py + da) * g.w + 2 * px + dc))
                                    grad[(2 * a + da) * 4 + 2 * c + dc] = zero.replacing(with: v, where: whereAt .== pos)
                                }
                            }
                        }
                        outputGradientTile(grad, scratch: rowsA, into: dm + ((ty - rows.lowerBound) * g.tw + tx) * kp + k0, point: point)
                    }
                }
            }
        }
    }

    /// The pooled pixels (py, px) of tile (ty, tx) that lie in the ho x wo pooled map, each with its
    /// window's place (a, c) in the tile's 2 x 2 windows.
    @inline(__always) private func forEachPooledPixel(ty: Int, tx: Int, ho: Int, wo: Int, _ body: (_ a: Int, _ c: Int, _ py: Int,
            _ px: Int) -> Void) {
        for a in 0..<2 where 2 * ty + a < ho {
            for c in 0..<2 where 2 * tx + c < wo { body(a, c, 2 * ty + a, 2 * tx + c) }
        }
    }

    /// One tile's dM = A dy Aᵀ for eight channels: `grad` is the 4x4 dy tile, `scratch` 24 vectors.
    @inline(__always) private func outputGradientTile(_ grad: UnsafeMutablePointer<SIMD8<Float>>,
                                                      scratch rowsA: UnsafeMutablePointer<SIMD8<Float>>,
                                                      into out: UnsafeMutablePointer<Float>, point: Int) {
        for i in 0..<4 { // A along each row: 4 columns -> 6
            let r = grad + 4 * i
            Six.a(r[0], r[1], r[2], r[3]).store(into: rowsA + 6 * i, stride: 1)
        }
        for j in 0..<6 { // then down each column: 4 rows -> 6
            let c = rowsA + j
            Six.a(c[0], c[6], c[12], c[18]).store(to: out + j * point, stride: 6 * point)
        }
    }

    // MARK: filter transforms (once per batch)

    /// U = G g Gᵀ, laid out [36][K][C] in `u` and [36][C][K] in `ut`. Eight input channels of a filter
    /// go side by side in SIMD8 lanes; each lane does one channel's operations, divisions
    /// included (IEEE 754 rounds a lane's division as it rounds a scalar one), so the bits are those
    /// of one channel at a time. Scalar, the divisions made this 3% of a training step.
    func transformFilters(_ weight: UnsafePointer<Float>, into u: UnsafeMutablePointer<Float>,
                          transposed ut: UnsafeMutablePointer<Float>, on context: ExecutionContext) {
        let (c, k) = (inChannels, outChannels)
        context.parallelFor(k) { filters in
            withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 9 + 18 + 6) { buffer in
                let g = buffer.baseAddress!, t = g + 9, row = t + 18 // taps, G g (6 rows x 3 columns), one row of U
                // Plain floats through memory: inserting into and extracting from a SIMD8 lane by lane
                // made this slower than the scalar code it replaced.
                let taps = UnsafeMutableRawPointer(g).assumingMemoryBound(to: Float.self)
                let values = UnsafeMutableRawPointer(row).assumingMemoryBound(to: Float.self)
                for f in filters {
                    for ci0 in stride(from: 0, to: c, by: 8) {
                        let lanes = min(8, c - ci0)
                        if lanes < 8 { g.update(repeating: SIMD8(), count: 9) }
                        for l in 0..<lanes {
                            let src = weight + (f * c + ci0 + l) * 9
                            for tap in 0..<9 { taps[8 * tap + l] = src[tap] }
                        }
                        for j in 0..<3 { filterG(g[j], g[3 + j], g[6 + j], into: t + j, stride: 3) }
                        for i in 0..<6 {
                            filterG(t[3 * i], t[3 * i + 1], t[3 * i + 2], into: row, stride: 1)
                            for jj in 0..<6 {
                                let point = 6 * i + jj
                                let dst = u + (point * k + f) * c + ci0
                                if lanes == 8 { store8(row[jj], dst) } else { dst.update(from: values + 8 * jj, count: lanes) }
                                let dstT = ut + (point * c + ci0) * k + f
                                for l in 0..<lanes { dstT[l * k] = values[8 * jj + l] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// dg = Gᵀ dU G, the adjoint of `transformFilters`.
    func transformFilterGradient(_ du: UnsafePointer<Float>, into dWeight: UnsafeMutablePointer<Float>, on context: ExecutionContext) {
        let (c, k) = (inChannels, outChannels)
        context.parallelFor(k) { filters in
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


/// Aᵀ M_p A + bias for one tile and eight channels: out[4i + j] is output pixel (i, j). `src` points at
/// the tile's first transform point, `point` floats apart; output rows from `rows` on are not computed.
@inline(__always) func outputTile(_ src: UnsafePointer<Float>, point: Int, bias: SIMD8<Float>, rows: Int,
                                  scratch t: UnsafeMutablePointer<SIMD8<Float>>, into out: UnsafeMutablePointer<SIMD8<Float>>) {
    for j in 0..<6 { // Aᵀ down each column of M: 6 rows -> 4
        let col = Six(from: src + j * point, stride: 6 * point).at()
        (t[j], t[6 + j], t[12 + j], t[18 + j]) = col
    }
    for i in 0..<rows { // then along each row: 6 columns -> 4, plus bias
        let r = Six(from: UnsafePointer(t + 6 * i), stride: 1).at()
        (out[4 * i], out[4 * i + 1], out[4 * i + 2], out[4 * i + 3]) = (r.0 + bias, r.1 + bias, r.2 + bias, r.3 + bias)
    }
}

/// bias[from ..< from + lanes] in SIMD lanes, zeros after.
@inline(__always) func biasLanes(_ bias: UnsafePointer<Float>, from k0: Int, lanes: Int) -> SIMD8<Float> {
    var b = SIMD8<Float>()
    for l in 0..<lanes { b[l] = bias[k0 + l] }
    return b
}

// MARK: the 1-D transforms of F(4x4, 3x3), interpolation points 0, ±1, ±2, ∞

/// G g for eight columns g of 3x3 filters, one a lane:
/// G = [[¼,0,0],[-⅙,-⅙,-⅙],[-⅙,⅙,-⅙],[1/24,1/12,⅙],[1/24,-1/12,⅙],[0,0,1]].
@inline(__always) func filterG(_ g0: SIMD8<Float>, _ g1: SIMD8<Float>, _ g2: SIMD8<Float>,
                               into out: UnsafeMutablePointer<SIMD8<Float>>, stride: Int) {
    out[0] = g0 / 4
    out[stride] = -(g0 + g1 + g2) / 6
    out[2 * stride] = -(g0 - g1 + g2) / 6
    out[3 * stride] = g0 / 24 + g1 / 12 + g2 / 6
    out[4 * stride] = g0 / 24 - g1 / 12 + g2 / 6
    out[5 * stride] = g2
}

/// Gᵀ u (6 -> 3), the adjoint of `filterG`.
@inline(__always) func filterGT(_ u: UnsafePointer<Float>, stride s: Int, into out: UnsafeMutablePointer<Float>, stride: Int) {
    let (u0, u1, u2, u3, u4, u5) = (u[0], u[s], u[2 * s], u[3 * s], u[4 * s], u[5 * s])
    out[0] = u0 / 4 - u1 / 6 - u2 / 6 + u3 / 24 + u4 / 24
    out[stride] = -u1 / 6 + u2 / 6 + u3 / 12 - u4 / 12
    out[2 * stride] = -u1 / 6 - u2 / 6 + u3 / 6 + u4 / 6 + u5
}

/// Six SIMD8 values: one row or column of a 6x6 tile, for eight channels.
struct Six {
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
