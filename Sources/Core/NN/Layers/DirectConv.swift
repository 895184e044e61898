import Kernels

/// 3x3 "same" convolution of a single-channel input (the spectrogram layer), computed directly on
/// SIMD8 runs of eight output columns: the nine shifted input vectors are loaded once and reused by
/// every filter. With one input channel, im2col's SGEMM has an inner dimension of 9 and spends its
/// time copying; Winograd's 36 products would be outer products.
/// Forward and weight gradient are split over images and filters in fixed chunks; every output and
/// every weight-gradient sum is computed by one thread in a fixed order.
final class DirectConv3x3SingleChannel {
    let outChannels: Int
    private var padded: [Float] = []   // [N][h+2][wp]: the input with a zero border, kept for backward
    private var split: [Float] = []    // [N][h+2][2][wp/2]: each padded row's even, then odd columns
    private var shape = (n: 0, h: 0, w: 0)

    init(outChannels: Int) { self.outChannels = outChannels }

    /// Padded row length: room for full 8-wide loads at every 16-column pair of groups (and the +2 shift).
    private func wp(_ w: Int) -> Int { (w + 15) / 16 * 16 + 16 }

    /// x [1, N, H, W] -> y [K, N, H, W]. `weight` is [K, 9].
    /// With `pooledReLU`, y is relu(maxpool2x2(conv)) [K, N, H/2, W/2], the full map never written.
    func forward(x: UnsafePointer<Float>, n: Int, h: Int, w: Int, weight: UnsafePointer<Float>,
                 bias: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, pooledReLU: Bool = false,
                 argmax: UnsafeMutablePointer<Int32>? = nil, on context: ExecutionContext) {
        let wp = wp(w), hp = h + 2, k = outChannels
        if shape != (n, h, w) {
            shape = (n, h, w)
            padded = [Float](repeating: 0, count: n * hp * wp)
        }
        let splitSize = hp * wp // each padded row, its columns reordered
        if pooledReLU && split.count != n * splitSize { split = [Float](repeating: 0, count: n * splitSize) }
        split.withUnsafeMutableBufferPointer { sp in padded.withUnsafeMutableBufferPointer { pp in
            let pb = pp.baseAddress!, sb = sp.baseAddress
            context.parallelFor(n) { images in
                for b in images {
                    let pad = pb + b * hp * wp, src = x + b * h * w
                    for r in 0..<h { (pad + (r + 1) * wp + 1).update(from: src + r * w, count: w) }
                    if pooledReLU {
                        pooledRows(pad: UnsafePointer(pad), wp: wp, split: sb! + b * splitSize, image: b, n: n, h: h, w: w,
                                   weight: weight, bias: bias, y: y, argmax: argmax, on: context)
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
        } }
    }

    /// relu(maxpool2x2) of the convolution of one padded image, eight pooled outputs at a time.
    /// The padded rows are first split into their even and odd columns, so the pool's four inputs
    /// (two rows, even and odd columns) are each computed as a plain SIMD8 of outputs from contiguous
    /// loads: no lane shuffles, which LLVM had hoisted above the FMAs, halving them to 4 lanes. Each
    /// output is still bias, then taps 0...8 in order, the sum `forward` computes.
    private func pooledRows(pad: UnsafePointer<Float>, wp: Int, split: UnsafeMutablePointer<Float>, image b: Int,
                            n: Int, h: Int, w: Int, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                            y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>?, on context: ExecutionContext) {
        // Half a padded row: a pooled block's loads reach index q0 + 8 <= wo + 7, inside it since wp >= w + 16.
        let (ho, wo, wq) = (h / 2, w / 2, wp / 2)
        for r in 0..<(h + 2) { // even columns, then odd, of each padded row
            let src = pad + r * wp, even = split + 2 * r * wq, odd = even + wq
            for j in 0..<(wp / 2) { even[j] = src[2 * j]; odd[j] = src[2 * j + 1] }
        }
        if context.kernels == .avx512 { // the same sums, 16 outputs at a time (Sources/Kernels/direct_avx512.c)
            let image = b * ho * wo
            lab_direct_pooled_avx512(split, wq, ho, wo, w, outChannels, weight, bias, y + image, argmax.map { $0 + image }, n * ho * wo)
            return
        }
        let lane = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14)
        for py in 0..<ho {
            let rows = UnsafePointer(split + 4 * py * wq) // padded row 2py: the top tap row of output row 2py
            for q0 in stride(from: 0, to: wo, by: 8) {
                let count = min(8, wo - q0)
                @inline(__always) func emit(_ f: Int, _ te: SIMD8<Float>, _ to: SIMD8<Float>, _ be: SIMD8<Float>, _ bo: SIMD8<Float>) {
                    let offset = ((f * n + b) * ho + py) * wo + q0
                    let dst = y + offset
                    let v: SIMD8<Float>
                    if let argmax { // training: also where each maximum came from
                        let base = SIMD8<Int32>(repeating: Int32(2 * py * w + 2 * q0)) &+ lane
                        let pooled = maxPoolReLU(te, to, be, bo, base: base, w: Int32(w))
                        v = pooled.value
                        if count == 8 {
                            UnsafeMutableRawPointer(argmax + offset).storeBytes(of: pooled.at, as: SIMD8<Int32>.self)
                        } else {
                            for l in 0..<count { argmax[offset + l] = pooled.at[l] }
                        }
                    } else {
                        v = maxPoolReLU(te, to, be, bo)
                    }
                    if count == 8 {
                        store8(v, dst)
                    } else {
                        for l in 0..<count { dst[l] = v[l] }
                    }
                }
                // One filter at a time: four chains (two filters' eight spilled and ran 8% slower).
                for f in 0..<outChannels {
                    let wf = weight + 9 * f
                    // Output rows 2py (top) and 2py+1 (bottom), even and odd columns.
                    var te = SIMD8<Float>(repeating: bias[f]), to = te, be = te, bo = te
                    for ky in 0..<3 {
                        let top = rows + 2 * ky * wq + q0, bottom = top + 2 * wq
                        let (w0, w1, w2) = (SIMD8<Float>(repeating: wf[3 * ky]), SIMD8<Float>(repeating: wf[3 * ky + 1]),
                                            SIMD8<Float>(repeating: wf[3 * ky + 2]))
                        // Input column 2q + kx is even[q + kx/2] for even kx, odd[q + (kx-1)/2] for odd kx.
                        te.addProduct(w0, load8(top)); te.addProduct(w1, load8(top + wq)); te.addProduct(w2, load8(top + 1))
                        to.addProduct(w0, load8(top + wq)); to.addProduct(w1, load8(top + 1)); to.addProduct(w2, load8(top + wq + 1))
                        be.addProduct(w0, load8(bottom)); be.addProduct(w1, load8(bottom + wq)); be.addProduct(w2, load8(bottom + 1))
                        bo.addProduct(w0, load8(bottom + wq)); bo.addProduct(w1, load8(bottom + 1)); bo.addProduct(w2,
                                load8(bottom + wq + 1))
                    }
                    emit(f, te, to, be, bo)
                }
            }
        }
    }

    /// dWeight [K, 9] and dBias [K] from the gradient of relu(maxpool2x2(conv)) [K, N, H/2, W/2], its
    /// argmax and the ReLU's output: each filter's full-resolution gradient is rebuilt one image plane
    /// at a time, as MaxPool2D.backward(_:throughReLUOf:) writes it (zero, then += each window's
    /// value at its argmax), and fed to the sums of Conv2D.biasGradient and `weightGradient` in their
    /// order. The 45 MB full map of a study batch is never written or read.
    func gradientsThroughPool(dy: UnsafePointer<Float>, argmax: UnsafePointer<Int32>, reluOutput: UnsafePointer<Float>,
                              dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>, on context: ExecutionContext) {
        let (n, h, w) = shape
        let (wp, hp, ho, wo) = (wp(w), h + 2, h / 2, w / 2)
        if context.kernels == .avx512 { // two filters a register, the same lanes (direct_avx512.c)
            gradientPairsThroughPool(dy: dy, argmax: argmax, reluOutput: reluOutput, dWeight: dWeight, dBias: dBias, on: context)
            return
        }
        padded.withUnsafeBufferPointer { pp in
            let pb = pp.baseAddress!
            context.parallelFor(outChannels) { filters in
                let plane = UnsafeMutablePointer<Float>.allocate(capacity: h * w)
                defer { plane.deallocate() }
                for f in filters {
                    var bias = BiasSum()
                    var sums = TapSums()
                    for b in 0..<n {
                        MaxPool2D.gradientPlane(dy: dy, argmax: argmax, reluOutput: reluOutput, first: (f * n + b) * ho * wo,
                                                count: ho * wo, into: plane, size: h * w)
                        bias.add(plane, count: h * w)
                        sums.add(gradient: plane, image: pb + b * hp * wp, h: h, w: w, wp: wp)
                    }
                    sums.store(into: dWeight + 9 * f)
                    dBias[f] = bias.total
                }
            }
        }
    }

    /// `gradientsThroughPool` on the avx512 path: filters in pairs, each pair's two SIMD8 sums side by side
    /// in one 16-lane register; each lane's chain, and the final `sum()` of each eight, as in Swift.
    private func gradientPairsThroughPool(dy: UnsafePointer<Float>, argmax: UnsafePointer<Int32>, reluOutput: UnsafePointer<Float>,
                                          dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>,
                                                  on context: ExecutionContext) {
        let (n, h, w) = shape
        let (wp, hp, ho, wo, k) = (wp(w), h + 2, h / 2, w / 2, outChannels)
        padded.withUnsafeBufferPointer { pp in
            let pb = pp.baseAddress!
            context.parallelFor((k + 1) / 2) { pairs in
                let planes = UnsafeMutablePointer<Float>.allocate(capacity: 2 * h * w)
                let acc = UnsafeMutablePointer<Float>.allocate(capacity: 9 * 16)
                defer { planes.deallocate(); acc.deallocate() }
                for pair in pairs {
                    let filters = pair * 2 + 1 < k ? [pair * 2, pair * 2 + 1] : [pair * 2] // an odd K's last filter alone
                    var bias = [BiasSum](repeating: BiasSum(), count: filters.count)
                    acc.update(repeating: 0, count: 9 * 16)
                    for b in 0..<n {
                        for (i, f) in filters.enumerated() {
                            MaxPool2D.gradientPlane(dy: dy, argmax: argmax, reluOutput: reluOutput, first: (f * n + b) * ho * wo,
                                                    count: ho * wo, into: planes + i * h * w, size: h * w)
                            bias[i].add(planes + i * h * w, count: h * w)
                        }
                        lab_direct_weight_gradient_pair_avx512(pb + b * hp * wp, wp, planes, planes + (filters.count - 1) * h * w, h, w,
                                                               acc)
                    }
                    for (i, f) in filters.enumerated() {
                        for t in 0..<9 { dWeight[9 * f + t] = load8(UnsafePointer(acc + 16 * t + 8 * i)).sum() }
                        dBias[f] = bias[i].total
                    }
                }
            }
        }
    }

    /// dWeight [K, 9] from dy [K, N, H, W] and the input kept by `forward`.
    func weightGradient(dy: UnsafePointer<Float>, dWeight: UnsafeMutablePointer<Float>, on context: ExecutionContext) {
        let (n, h, w) = shape
        let wp = wp(w), hp = h + 2
        padded.withUnsafeBufferPointer { pp in
            let pb = pp.baseAddress!
            context.parallelFor(outChannels) { filters in
                for f in filters {
                    var sums = TapSums()
                    for b in 0..<n { sums.add(gradient: dy + (f * n + b) * h * w, image: pb + b * hp * wp, h: h, w: w, wp: wp) }
                    sums.store(into: dWeight + 9 * f)
                }
            }
        }
    }
}

/// One filter's weight-gradient sums: for each of the nine taps, eight running sums (one per column
/// mod 8 of each row's 8-wide runs, a tail's missing columns zero) in registers, added by `sum()` at the end.
struct TapSums {
    private var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>(), a4 = SIMD8<Float>()
    private var a5 = SIMD8<Float>(), a6 = SIMD8<Float>(), a7 = SIMD8<Float>(), a8 = SIMD8<Float>()

    /// One image: its gradient plane (h x w) against its padded input rows (wp floats each).
    @inline(__always) mutating func add(gradient: UnsafePointer<Float>, image pad: UnsafePointer<Float>, h: Int, w: Int, wp: Int) {
        for r in 0..<h {
            let top = pad + r * wp, g = gradient + r * w
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

    func store(into out: UnsafeMutablePointer<Float>) {
        (out[0], out[1], out[2], out[3], out[4]) = (a0.sum(), a1.sum(), a2.sum(), a3.sum(), a4.sum())
        (out[5], out[6], out[7], out[8]) = (a5.sum(), a6.sum(), a7.sum(), a8.sum())
    }
}

/// Conv2D.biasGradient's sum of one filter's row, fed a piece at a time: eight running sums over
/// the row's elements by index mod 8, added by `sum()`, then the row's last count mod 8 elements one
/// by one. A piece need not end on a whole vector; the next continues the same lanes.
struct BiasSum {
    private var acc = SIMD8<Float>(), pending = SIMD8<Float>(), filled = 0

    mutating func add(_ p: UnsafePointer<Float>, count: Int) {
        var i = 0
        while filled > 0 && filled < 8 && i < count { pending[filled] = p[i]; filled += 1; i += 1 }
        if filled == 8 { acc += pending; filled = 0 }
        while i + 8 <= count { acc += load8(p + i); i += 8 }
        while i < count { pending[filled] = p[i]; filled += 1; i += 1 }
    }

    var total: Float {
        var s = acc.sum()
        for l in 0..<filled { s += pending[l] }
        return s
    }
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
