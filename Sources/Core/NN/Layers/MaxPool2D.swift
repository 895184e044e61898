/// Max pooling over size x size windows with stride = size ("valid": the ragged edge is dropped,
/// as Keras does). Remembers where each maximum came from for the backward pass.
public final class MaxPool2D: Layer {
    public let name: String
    public let size: Int
    private var argmax: [Int32] = []
    private var inShape: [Int] = []
    private var out: Tensor?
    private var dx: Tensor?

    public init(name: String, size: Int = 2) {
        self.name = name
        self.size = size
    }

    public func forward(_ x: Tensor, training: Bool, on context: ExecutionContext) -> Tensor {
        let (c, n, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let ho = h / size, wo = w / size
        inShape = x.shape
        let y = Tensor.reuse(out, shape: [c, n, ho, wo]); out = y
        if argmax.count != y.count { argmax = [Int32](repeating: 0, count: y.count) }
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                argmax.withUnsafeMutableBufferPointer { ap in
                    let xb = xp.baseAddress!, yb = yp.baseAddress!, ab = ap.baseAddress!
                    context.parallelFor(c * n) { planes in
                        for pl in planes {
                            let src = xb + pl * h * w, dst = yb + pl * ho * wo, arg = ab + pl * ho * wo
                            for oy in 0..<ho {
                                var ox = 0
                                if size == 2 {
                                    ox = pool2x2Row(src, w: w, oy: oy, wo: wo, dst: dst + oy * wo, arg: arg + oy * wo)
                                }
                                for ox in ox..<wo {
                                    var best = -Float.infinity, at = 0
                                    for dy in 0..<size {
                                        let row = (oy * size + dy) * w + ox * size
                                        for dx in 0..<size where src[row + dx] > best {
                                            best = src[row + dx]; at = row + dx
                                        }
                                    }
                                    dst[oy * wo + ox] = best
                                    arg[oy * wo + ox] = Int32(at)
                                }
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    /// 2x2 windows of output row `oy`, eight at a time while a full 16-wide load fits; returns the
    /// first column left for the scalar loop. Same candidates in the same order (top-left, top-right,
    /// bottom-left, bottom-right, strict >) as the scalar loop, so the same maxima and positions.
    private func pool2x2Row(_ src: UnsafePointer<Float>, w: Int, oy: Int, wo: Int,
                            dst: UnsafeMutablePointer<Float>, arg: UnsafeMutablePointer<Int32>) -> Int {
        let top = 2 * oy * w, lane = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14)
        var ox = 0
        while ox + 8 <= wo && 2 * ox + 16 <= w {
            let r0 = UnsafeRawPointer(src + top + 2 * ox).loadUnaligned(as: SIMD16<Float>.self)
            let r1 = UnsafeRawPointer(src + top + w + 2 * ox).loadUnaligned(as: SIMD16<Float>.self)
            let base = SIMD8<Int32>(repeating: Int32(top + 2 * ox)) &+ lane
            let (best, at) = maxOf2x2(r0.evenHalf, r0.oddHalf, r1.evenHalf, r1.oddHalf, base: base, w: Int32(w))
            UnsafeMutableRawPointer(dst + ox).storeBytes(of: best, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(arg + ox).storeBytes(of: at, as: SIMD8<Int32>.self)
            ox += 8
        }
        return ox
    }

    /// For a fused conv -> pool -> ReLU forward (`Model`): records the input shape and lends the
    /// argmax buffer for the fused kernel to fill, so `backward` works as if `forward` had run.
    func fusedForward(inShape: [Int], _ body: (UnsafeMutablePointer<Int32>) -> Void) {
        precondition(size == 2, "\(name): only 2x2 pooling fuses")
        self.inShape = inShape
        let count = inShape[0] * inShape[1] * (inShape[2] / 2) * (inShape[3] / 2)
        if argmax.count != count { argmax = [Int32](repeating: 0, count: count) }
        argmax.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }

    public func backward(_ dy: Tensor, on context: ExecutionContext) -> Tensor { backward(dy, throughReLUOf: nil, on: context) }

    /// One plane of `backward(_:throughReLUOf:)`'s result, the same way: zero, then each window's
    /// gradient (0 where the ReLU's output is not positive) added at its argmax. The pooled window
    /// values are dy[first ..< first + count], their argmax indices into the plane of `size` floats.
    static func gradientPlane(dy: UnsafePointer<Float>, argmax: UnsafePointer<Int32>, reluOutput: UnsafePointer<Float>,
                              first: Int, count: Int, into plane: UnsafeMutablePointer<Float>, size: Int) {
        plane.update(repeating: 0, count: size)
        for i in first..<(first + count) { plane[Int(argmax[i])] += reluOutput[i] > 0 ? dy[i] : 0 }
    }

    /// The argmax of the last training forward, for a layer that applies this pool's backward itself.
    func withArgmax<T>(_ body: (UnsafePointer<Int32>) -> T) -> T {
        argmax.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    /// With `reluOutput` (the output of the ReLU that follows this pool), applies that ReLU's backward
    /// on the way: the same arithmetic as the two layers one after the other, in one pass.
    func backward(_ dy: Tensor, throughReLUOf reluOutput: Tensor?, on context: ExecutionContext) -> Tensor {
        let (c, n, h, w) = (inShape[0], inShape[1], inShape[2], inShape[3])
        let ho = h / size, wo = w / size
        let g = Tensor.reuse(dx, shape: inShape); dx = g
        let mask = reluOutput ?? dy // unused without a ReLU
        dy.data.withUnsafeBufferPointer { dp in
            mask.data.withUnsafeBufferPointer { mp in
                g.data.withUnsafeMutableBufferPointer { gp in
                    argmax.withUnsafeBufferPointer { ap in
                        let db = dp.baseAddress!, mb = mp.baseAddress!, gb = gp.baseAddress!, ab = ap.baseAddress!
                        let throughReLU = reluOutput != nil
                        context.parallelFor(c * n) { planes in
                            for pl in planes {
                                let dst = gb + pl * h * w, first = pl * ho * wo
                                dst.update(repeating: 0, count: h * w)
                                if throughReLU {
                                    for i in first..<(first + ho * wo) { dst[Int(ab[i])] += mb[i] > 0 ? db[i] : 0 }
                                } else {
                                    for i in first..<(first + ho * wo) { dst[Int(ab[i])] += db[i] }
                                }
                            }
                        }
                    }
                }
            }
        }
        return g
    }
}

/// relu(max of a 2x2 window) for eight windows, value only (inference).
@_transparent func maxPoolReLU(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>, _ d: SIMD8<Float>) -> SIMD8<Float> {
    var best = SIMD8<Float>(repeating: -.infinity)
    best.replace(with: a, where: a .> best)
    best.replace(with: b, where: b .> best)
    best.replace(with: c, where: c .> best)
    best.replace(with: d, where: d .> best)
    return SIMD8<Float>(repeating: 0).replacing(with: best, where: best .>= 0)
}

/// relu(max of a 2x2 window) for eight windows, with MaxPool2D's scan (top-left, top-right,
/// bottom-left, bottom-right; strict >, from -inf) and ReLU's max(0, x) = x >= 0 ? x : 0, so the
/// fused conv -> pool -> ReLU path gives exactly the bits of the separate layers. Also returns where
/// each maximum came from, `base` plus the offset of the winning position (row length `w`), as
/// MaxPool2D records it.
@_transparent func maxPoolReLU(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>, _ d: SIMD8<Float>,
                                   base: SIMD8<Int32>, w: Int32) -> (value: SIMD8<Float>, at: SIMD8<Int32>) {
    let (best, at) = maxOf2x2(a, b, c, d, base: base, w: w)
    return (SIMD8<Float>(repeating: 0).replacing(with: best, where: best .>= 0), at)
}

/// The max of eight 2x2 windows and where it came from, in MaxPool2D's scan order (see above).
@_transparent func maxOf2x2(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>, _ d: SIMD8<Float>,
                                base: SIMD8<Int32>, w: Int32) -> (value: SIMD8<Float>, at: SIMD8<Int32>) {
    // Written out, not as a nested function: that one was not inlined and cost 3x.
    var best = SIMD8<Float>(repeating: -.infinity), at = base
    var better = a .> best
    best.replace(with: a, where: better)
    better = b .> best
    best.replace(with: b, where: better)
    at.replace(with: base &+ 1, where: better)
    better = c .> best
    best.replace(with: c, where: better)
    at.replace(with: base &+ w, where: better)
    better = d .> best
    best.replace(with: d, where: better)
    at.replace(with: base &+ (w + 1), where: better)
    return (best, at)
}
