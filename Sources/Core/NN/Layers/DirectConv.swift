/// 3x3 "same" convolution of a single-channel input (the spectrogram layer), computed directly on
/// SIMD8 runs of eight output columns: the nine shifted input vectors are loaded once and reused by
/// every filter. With one input channel, im2col's SGEMM has an inner dimension of 9 and spends its
/// time copying; Winograd's 36 products would be outer products.
/// Forward and weight gradient are split over images and filters in fixed chunks; every output and
/// every weight-gradient sum is computed by one thread in a fixed order.
final class DirectConv3x3SingleChannel {
    let outChannels: Int
    private var padded: [Float] = []   // [N][h+2][wp]: the input with a zero border, kept for backward
    private var shape = (n: 0, h: 0, w: 0)

    init(outChannels: Int) { self.outChannels = outChannels }

    /// Padded row length: room for full 8-wide loads at every 16-column pair of groups (and the +2 shift).
    private func wp(_ w: Int) -> Int { (w + 15) / 16 * 16 + 16 }

    /// x [1, N, H, W] -> y [K, N, H, W]. `weight` is [K, 9].
    /// With `pooledReLU`, y is relu(maxpool2x2(conv)) [K, N, H/2, W/2], the full map never written.
    func forward(x: UnsafePointer<Float>, n: Int, h: Int, w: Int, weight: UnsafePointer<Float>,
                 bias: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, pooledReLU: Bool = false,
                 argmax: UnsafeMutablePointer<Int32>? = nil) {
        let wp = wp(w), hp = h + 2, k = outChannels
        if shape != (n, h, w) {
            shape = (n, h, w)
            padded = [Float](repeating: 0, count: n * hp * wp)
        }
        padded.withUnsafeMutableBufferPointer { pp in
            let pb = pp.baseAddress!
            parallelFor(n) { images in
                for b in images {
                    let pad = pb + b * hp * wp, src = x + b * h * w
                    for r in 0..<h { (pad + (r + 1) * wp + 1).update(from: src + r * w, count: w) }
                    if pooledReLU {
                        pooledRows(pad: UnsafePointer(pad), wp: wp, image: b, n: n, h: h, w: w, weight: weight, bias: bias,
                                   y: y, argmax: argmax)
                        continue
                    }
                    for r in 0..<h {
                        let top = UnsafePointer(pad + r * wp)
                        for x0 in stride(from: 0, to: w, by: 8) {
                            let lanes = min(8, w - x0)
                            let s = Nine(top + x0, wp)
                            for f in 0..<k {
                                let wf = weight + 9 * f
                                var acc = SIMD8<Float>(repeating: bias[f])
                                for t in 0..<9 { acc.addProduct(SIMD8(repeating: wf[t]), s[t]) } // fused multiply-add
                                let dst = y + ((f * n + b) * h + r) * w + x0
                                if lanes == 8 {
                                    store8(acc, dst)
                                } else {
                                    for l in 0..<lanes { dst[l] = acc[l] }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// relu(maxpool2x2) of the convolution of one padded image: two rows and sixteen columns of
    /// output at a time (the same sums, in the same order, as `forward`), reduced to 8 pooled values.
    private func pooledRows(pad: UnsafePointer<Float>, wp: Int, image b: Int, n: Int, h: Int, w: Int,
                            weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                            argmax: UnsafeMutablePointer<Int32>?) {
        let (ho, wo) = (h / 2, w / 2)
        let lane = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14)
        for py in 0..<ho {
            let top = pad + 2 * py * wp, bottom = top + wp
            for x0 in stride(from: 0, to: 2 * wo, by: 16) {
                let count = min(8, wo - x0 / 2)
                let s00 = Nine(top + x0, wp), s01 = Nine(top + x0 + 8, wp)
                let s10 = Nine(bottom + x0, wp), s11 = Nine(bottom + x0 + 8, wp)
                for f in 0..<outChannels {
                    let wf = weight + 9 * f
                    @inline(__always) func conv(_ s: Nine) -> SIMD8<Float> {
                        var acc = SIMD8<Float>(repeating: bias[f])
                        for t in 0..<9 { acc.addProduct(SIMD8(repeating: wf[t]), s[t]) }
                        return acc
                    }
                    // Columns x0..<x0+16 of the two rows split into even and odd columns, the pool's
                    // left and right halves, by lane shuffles (SIMD16's evenHalf was slower).
                    let (u0, u1, l0, l1) = (conv(s00), conv(s01), conv(s10), conv(s11))
                    let upper = (evenHalf: evenLanes(u0, u1), oddHalf: oddLanes(u0, u1))
                    let lower = (evenHalf: evenLanes(l0, l1), oddHalf: oddLanes(l0, l1))
                    let offset = ((f * n + b) * ho + py) * wo + x0 / 2
                    let dst = y + offset
                    let v: SIMD8<Float>
                    if let argmax { // training: also where each maximum came from
                        let base = SIMD8<Int32>(repeating: Int32(2 * py * w + x0)) &+ lane
                        let pooled = maxPoolReLU(upper.evenHalf, upper.oddHalf, lower.evenHalf, lower.oddHalf, base: base, w: Int32(w))
                        v = pooled.value
                        if count == 8 {
                            UnsafeMutableRawPointer(argmax + offset).storeBytes(of: pooled.at, as: SIMD8<Int32>.self)
                        } else {
                            for l in 0..<count { argmax[offset + l] = pooled.at[l] }
                        }
                    } else {
                        v = maxPoolReLU(upper.evenHalf, upper.oddHalf, lower.evenHalf, lower.oddHalf)
                    }
                    if count == 8 {
                        store8(v, dst)
                    } else {
                        for l in 0..<count { dst[l] = v[l] }
                    }
                }
            }
        }
    }

    /// dWeight [K, 9] from dy [K, N, H, W] and the input kept by `forward`.
    func weightGradient(dy: UnsafePointer<Float>, dWeight: UnsafeMutablePointer<Float>) {
        let (n, h, w) = shape
        let wp = wp(w), hp = h + 2
        padded.withUnsafeBufferPointer { pp in
            let pb = pp.baseAddress!
            parallelFor(outChannels) { filters in
                for f in filters {
                    // Nine running sums in registers; lanes are added in a fixed order at the end.
                    var (a0, a1, a2, a3, a4, a5, a6, a7, a8) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(),
                                                                SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
                    for b in 0..<n {
                        for r in 0..<h {
                            let top = pb + b * hp * wp + r * wp, g = dy + ((f * n + b) * h + r) * w
                            for x0 in stride(from: 0, to: w, by: 8) {
                                let lanes = min(8, w - x0)
                                var d = SIMD8<Float>()
                                if lanes == 8 { d = load8(g + x0) } else {
                                    for l in 0..<lanes { d[l] = g[x0 + l] }
                                }
                                let s = Nine(top + x0, wp).v
                                a0.addProduct(d, s.0); a1.addProduct(d, s.1); a2.addProduct(d, s.2)
                                a3.addProduct(d, s.3); a4.addProduct(d, s.4); a5.addProduct(d, s.5)
                                a6.addProduct(d, s.6); a7.addProduct(d, s.7); a8.addProduct(d, s.8)
                            }
                        }
                    }
                    let out = dWeight + 9 * f
                    (out[0], out[1], out[2], out[3], out[4]) = (a0.sum(), a1.sum(), a2.sum(), a3.sum(), a4.sum())
                    (out[5], out[6], out[7], out[8]) = (a5.sum(), a6.sum(), a7.sum(), a8.sum())
                }
            }
        }
    }
}

/// Lanes 0, 2, 4, 6 of `a` then of `b`: the even columns of a 16-column run.
@inline(__always) func evenLanes(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
    SIMD8(a[0], a[2], a[4], a[6], b[0], b[2], b[4], b[6])
}

/// Lanes 1, 3, 5, 7 of `a` then of `b`: the odd columns.
@inline(__always) func oddLanes(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
    SIMD8(a[1], a[3], a[5], a[7], b[1], b[3], b[5], b[7])
}

/// The nine 3x3-shifted SIMD8 runs starting at `p` (row stride `s`), in (ky, kx) order.
private struct Nine {
    let v: (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>,
            SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>)
    @inline(__always) init(_ p: UnsafePointer<Float>, _ s: Int) {
        func at(_ o: Int) -> SIMD8<Float> { load8(p + o) }
        v = (at(0), at(1), at(2), at(s), at(s + 1), at(s + 2), at(2 * s), at(2 * s + 1), at(2 * s + 2))
    }
    @inline(__always) subscript(_ t: Int) -> SIMD8<Float> {
        switch t {
        case 0: return v.0
        case 1: return v.1
        case 2: return v.2
        case 3: return v.3
        case 4: return v.4
        case 5: return v.5
        case 6: return v.6
        case 7: return v.7
        default: return v.8
        }
    }
}
