/// How a convolution is computed. Both give the same function; Winograd takes 2.25x fewer FLOPs.
public enum ConvAlgorithm: Sendable {
    /// im2col over the whole batch, then one SGEMM; any kernel, stride and padding.
    case im2col
    /// F(4x4, 3x3) minimal filtering; 3x3 kernels, stride 1, padding 1 only.
    case winograd
    /// Direct SIMD loops for a single input channel; 3x3 kernels, stride 1, padding 1 only; no input gradient.
    case direct
}

/// 2-D convolution on [C, N, H, W] activations. With im2col:
///   forward:  Y[F, N*Ho*Wo] = W[F, C*k*k] x col[C*k*k, N*Ho*Wo] + b
///   backward: dW = dY x col^T,  db = row sums of dY,  dcol = W^T x dY, then col2im into dX.
/// 3x3 "same" convolutions with more than one input channel use Winograd instead (see
/// WinogradConv3x3); a single input channel gives SGEMMs too thin to gain from it.
public final class Conv2D: Layer {
    public let name: String
    public let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int
    public let weight: Parameter, bias: Parameter
    /// The first layer needs no input gradient; skipping it saves a GEMM and a col2im per batch.
    public var computesInputGradient = true
    /// Chosen from the shape; tests may force either.
    public var algorithm: ConvAlgorithm {
        didSet {
            precondition(algorithm == .im2col || Self.winogradApplies(kernel, stride, padding),
                         "\(name): \(algorithm) needs 3x3, stride 1, padding 1")
            precondition(algorithm != .direct || inChannels == 1, "\(name): the direct kernel takes one input channel")
        }
    }
    private lazy var winograd = WinogradConv3x3(inChannels: inChannels, outChannels: outChannels)
    private lazy var direct = DirectConv3x3SingleChannel(outChannels: outChannels)
    public var parameters: [Parameter] { [weight, bias] }

    private var input: Tensor?
    private var col: [Float] = []
    private var dcol: [Float] = []
    private var out: Tensor?
    private var pooledOut: Tensor?
    private var dx: Tensor?

    /// `padding: nil` means "same" for stride 1 (k / 2).
    public init(name: String, inChannels: Int, outChannels: Int, kernel: Int = 3, stride: Int = 1,
                padding: Int? = nil, rng: inout SeededRNG) {
        self.name = name
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding ?? kernel / 2
        let k = inChannels * kernel * kernel
        weight = Parameter(name: "\(name).weight", shape: [outChannels, k],
                           value: glorotUniform(count: outChannels * k, fanIn: k, fanOut: outChannels * kernel * kernel, rng: &rng))
        bias = Parameter(name: "\(name).bias", shape: [outChannels], value: [Float](repeating: 0, count: outChannels))
        algorithm = !Self.winogradApplies(kernel, stride, self.padding) ? .im2col : inChannels > 1 ? .winograd : .direct
    }

    static func winogradApplies(_ kernel: Int, _ stride: Int, _ padding: Int) -> Bool {
        kernel == 3 && stride == 1 && padding == 1
    }

    func outputSize(_ h: Int, _ w: Int) -> (Int, Int) {
        ((h + 2 * padding - kernel) / stride + 1, (w + 2 * padding - kernel) / stride + 1)
    }

    public func forward(_ x: Tensor, training: Bool, on context: ExecutionContext) -> Tensor {
        let (c, n, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        precondition(c == inChannels, "\(name): expected \(inChannels) channels, got \(c)")
        let (ho, wo) = outputSize(h, w)
        let y = Tensor.reuse(out, shape: [outChannels, n, ho, wo]); out = y
        input = x
        if algorithm != .im2col {
            forwardWithKernel(x, into: y, pooledReLU: false, argmax: nil, on: context)
            return y
        }
        let rows = c * kernel * kernel, cols = n * ho * wo
        if col.count != rows * cols { col = [Float](repeating: 0, count: rows * cols) }
        im2col(x, h: h, w: w, n: n, ho: ho, wo: wo, on: context)
        weight.value.withUnsafeBufferPointer { wp in
            col.withUnsafeBufferPointer { cp in
                y.data.withUnsafeMutableBufferPointer { yp in
                    GEMM.multiply(on: context, m: outChannels, n: cols, k: rows, a: wp.baseAddress!, lda: rows,
                               b: cp.baseAddress!, ldb: cols, c: yp.baseAddress!, ldc: cols)
                    let yb = yp.baseAddress!
                    context.parallelFor(outChannels) { fs in
                        for f in fs {
                            let b = bias.value[f], row = yb + f * cols
                            for i in 0..<cols { row[i] += b }
                        }
                    }
                }
            }
        }
        return y
    }

    /// The direct or Winograd kernel on x into y (full map, or pooled and rectified).
    private func forwardWithKernel(_ x: Tensor, into y: Tensor, pooledReLU: Bool, argmax: UnsafeMutablePointer<Int32>?,
                                   on context: ExecutionContext) {
        let (n, h, w) = (x.shape[1], x.shape[2], x.shape[3])
        x.data.withUnsafeBufferPointer { xp in
            weight.value.withUnsafeBufferPointer { wp in
                bias.value.withUnsafeBufferPointer { bp in
                    y.data.withUnsafeMutableBufferPointer { yp in
                        if algorithm == .winograd {
                            winograd.forward(x: xp.baseAddress!, n: n, h: h, w: w, weight: wp.baseAddress!, bias: bp.baseAddress!,
                                             y: yp.baseAddress!, pooledReLU: pooledReLU, argmax: argmax, on: context)
                        } else {
                            direct.forward(x: xp.baseAddress!, n: n, h: h, w: w, weight: wp.baseAddress!, bias: bp.baseAddress!,
                                           y: yp.baseAddress!, pooledReLU: pooledReLU, argmax: argmax, on: context)
                        }
                    }
                }
            }
        }
    }

    /// relu(maxpool2x2(conv(x))) in one pass, for a conv -> MaxPool2D(2) -> ReLU sequence; the same
    /// bits as the three layers. With `argmax` (training), also records the pool's argmax, and
    /// `backward` works as after `forward`. Nil when this layer's algorithm has no fused path.
    func forwardPooledReLU(_ x: Tensor, argmax: UnsafeMutablePointer<Int32>? = nil, on context: ExecutionContext) -> Tensor? {
        guard algorithm != .im2col else { return nil }
        input = x
        let (n, h, w) = (x.shape[1], x.shape[2], x.shape[3])
        precondition(x.shape[0] == inChannels, "\(name): expected \(inChannels) channels, got \(x.shape[0])")
        let y = Tensor.reuse(pooledOut, shape: [outChannels, n, h / 2, w / 2]); pooledOut = y
        forwardWithKernel(x, into: y, pooledReLU: true, argmax: argmax, on: context)
        return y
    }

    public func backward(_ dy: Tensor, on context: ExecutionContext) -> Tensor {
        guard let x = input else { fatalError("\(name): backward before forward") }
        let (c, n, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (ho, wo) = outputSize(h, w)
        let rows = c * kernel * kernel, cols = n * ho * wo
        biasGradient(dy, cols: cols, on: context)
        let g = Tensor.reuse(dx, shape: x.shape); dx = g
        if algorithm == .direct {
            precondition(!computesInputGradient, "\(name): the direct kernel computes no input gradient")
            dy.data.withUnsafeBufferPointer { dyp in
                weight.grad.withUnsafeMutableBufferPointer { gw in direct.weightGradient(dy: dyp.baseAddress!, dWeight: gw.baseAddress!,
                                                                                         on: context) }
            }
            return g
        }
        if algorithm == .winograd {
            x.data.withUnsafeBufferPointer { xp in
                dy.data.withUnsafeBufferPointer { dyp in
                    weight.grad.withUnsafeMutableBufferPointer { gw in
                        g.data.withUnsafeMutableBufferPointer { gp in
                            winograd.backward(x: xp.baseAddress!, dy: .full(dyp.baseAddress!), dWeight: gw.baseAddress!,
                                              dx: computesInputGradient ? gp.baseAddress! : nil, on: context)
                        }
                    }
                }
            }
            return g
        }
        dy.data.withUnsafeBufferPointer { dyp in
            let d = dyp.baseAddress!
            col.withUnsafeBufferPointer { cp in
                weight.grad.withUnsafeMutableBufferPointer { gw in
                    GEMM.multiply(on: context, transB: true, m: outChannels, n: rows, k: cols, a: d, lda: cols,
                               b: cp.baseAddress!, ldb: cols, c: gw.baseAddress!, ldc: rows)
                }
            }
        }
        guard computesInputGradient else { return g }
        if dcol.count != rows * cols { dcol = [Float](repeating: 0, count: rows * cols) }
        weight.value.withUnsafeBufferPointer { wp in
            dy.data.withUnsafeBufferPointer { dyp in
                dcol.withUnsafeMutableBufferPointer { dc in
                    GEMM.multiply(on: context, transA: true, m: rows, n: cols, k: outChannels, a: wp.baseAddress!, lda: rows,
                               b: dyp.baseAddress!, ldb: cols, c: dc.baseAddress!, ldc: cols)
                }
            }
        }
        col2im(into: g, h: h, w: w, n: n, ho: ho, wo: wo, on: context)
        return g
    }

    /// A fused block's backward from its pooled output's gradient, without the full-resolution
    /// gradient (45 MB for a batch of the study's first layer): the pool's and the ReLU's backward are
    /// applied where the sums need them, one image plane (first layer, bias) or one tile (Winograd) at
    /// a time. The same sums in the same order as `pool.backward(_:throughReLUOf:)` then `backward`.
    /// Nil where that path does not exist (im2col).
    func backwardThroughPool(_ dy: Tensor, pool: MaxPool2D, reluOutput: Tensor, on context: ExecutionContext) -> Tensor? {
        let winogradPath = algorithm == .winograd
        guard pool.size == 2, let x = input, (algorithm == .direct && !computesInputGradient) || winogradPath else { return nil }
        let (n, h, w) = (x.shape[1], x.shape[2], x.shape[3])
        let g = Tensor.reuse(dx, shape: x.shape); dx = g
        dy.data.withUnsafeBufferPointer { dyp in
            reluOutput.data.withUnsafeBufferPointer { rp in
                pool.withArgmax { ap in
                    weight.grad.withUnsafeMutableBufferPointer { gw in
                        bias.grad.withUnsafeMutableBufferPointer { gb in
                            let (d, r) = (dyp.baseAddress!, rp.baseAddress!)
                            guard winogradPath else {
                                direct.gradientsThroughPool(dy: d, argmax: ap, reluOutput: r, dWeight: gw.baseAddress!,
                                                            dBias: gb.baseAddress!, on: context)
                                return
                            }
                            biasGradientThroughPool(dy: d, argmax: ap, reluOutput: r, n: n, h: h, w: w, into: gb.baseAddress!, on: context)
                            x.data.withUnsafeBufferPointer { xp in
                                g.data.withUnsafeMutableBufferPointer { gp in
                                    winograd.backward(x: xp.baseAddress!, dy: .pooled(d, argmax: ap, reluOutput: r),
                                                      dWeight: gw.baseAddress!,
                                                      dx: computesInputGradient ? gp.baseAddress! : nil, on: context)
                                }
                            }
                        }
                    }
                }
            }
        }
        return g
    }

    /// `biasGradient` of the map MaxPool2D.backward(_:throughReLUOf:) would write, rebuilt two rows
    /// (one row of pool windows) at a time, so it stays in L1: BiasSum continues its lanes from piece
    /// to piece, so the sums are those over whole planes.
    private func biasGradientThroughPool(dy: UnsafePointer<Float>, argmax: UnsafePointer<Int32>, reluOutput: UnsafePointer<Float>,
                                         n: Int, h: Int, w: Int, into gb: UnsafeMutablePointer<Float>, on context: ExecutionContext) {
        let (ho, wo) = (h / 2, w / 2)
        context.parallelFor(outChannels) { fs in
            let rows = UnsafeMutablePointer<Float>.allocate(capacity: 2 * w)
            defer { rows.deallocate() }
            for f in fs {
                var sum = BiasSum()
                for b in 0..<n {
                    let first = (f * n + b) * ho * wo
                    for oy in 0..<ho { // as MaxPool2D.gradientPlane: each window's value added to a zeroed map
                        rows.update(repeating: 0, count: 2 * w)
                        let top = 2 * oy * w
                        for i in (first + oy * wo)..<(first + (oy + 1) * wo) { rows[Int(argmax[i]) - top] += reluOutput[i] > 0 ? dy[i] : 0 }
                        sum.add(rows, count: 2 * w)
                    }
                    if h % 2 == 1 { // the last row is in no window
                        rows.update(repeating: 0, count: w)
                        sum.add(rows, count: w)
                    }
                }
                gb[f] = sum.total
            }
        }
    }

    /// db = row sums of dY [F, N*Ho*Wo].
    private func biasGradient(_ dy: Tensor, cols: Int, on context: ExecutionContext) {
        dy.data.withUnsafeBufferPointer { dyp in
            let d = dyp.baseAddress!
            bias.grad.withUnsafeMutableBufferPointer { gb in
                context.parallelFor(outChannels) { fs in
                    for f in fs {
                        // Eight running sums, added in a fixed order at the end.
                        var acc = SIMD8<Float>()
                        let row = d + f * cols
                        var i = 0
                        while i + 8 <= cols {
                            acc += load8(row + i)
                            i += 8
                        }
                        var s = acc.sum()
                        while i < cols { s += row[i]; i += 1 }
                        gb[f] = s
                    }
                }
            }
        }
    }

    /// col[(ci*k + ky)*k + kx, (b*Ho + oy)*Wo + ox] = x[ci, b, oy*s - p + ky, ox*s - p + kx] (0 outside).
    private func im2col(_ x: Tensor, h: Int, w: Int, n: Int, ho: Int, wo: Int, on context: ExecutionContext) {
        let k = kernel, s = stride, p = padding, cols = n * ho * wo
        x.data.withUnsafeBufferPointer { xp in
            col.withUnsafeMutableBufferPointer { cp in
                let xb = xp.baseAddress!, cb = cp.baseAddress!
                context.parallelFor(inChannels * k * k) { rowRange in
                    for r in rowRange {
                        let ci = r / (k * k), ky = (r / k) % k, kx = r % k
                        let dst = cb + r * cols
                        for b in 0..<n {
                            let plane = xb + (ci * n + b) * h * w
                            for oy in 0..<ho {
                                let iy = oy * s - p + ky
                                let line = dst + (b * ho + oy) * wo
                                if iy < 0 || iy >= h {
                                    for ox in 0..<wo { line[ox] = 0 }
                                    continue
                                }
                                let src = plane + iy * w
                                if s == 1 {
                                    // Stride 1: zeros, one contiguous run of the input row, zeros.
                                    let lo = min(wo, max(0, p - kx)), hi = max(lo, min(wo, w + p - kx))
                                    for ox in 0..<lo { line[ox] = 0 }
                                    (line + lo).update(from: src + (lo - p + kx), count: hi - lo)
                                    for ox in hi..<wo { line[ox] = 0 }
                                } else {
                                    for ox in 0..<wo {
                                        let ix = ox * s - p + kx
                                        line[ox] = (ix >= 0 && ix < w) ? src[ix] : 0
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The adjoint of im2col: each input channel gathers its own rows, so channels run in parallel
    /// and every sum is taken in the same order whatever the thread count.
    private func col2im(into g: Tensor, h: Int, w: Int, n: Int, ho: Int, wo: Int, on context: ExecutionContext) {
        let k = kernel, s = stride, p = padding, cols = n * ho * wo
        dcol.withUnsafeBufferPointer { dp in
            g.data.withUnsafeMutableBufferPointer { gp in
                let db = dp.baseAddress!, gb = gp.baseAddress!
                context.parallelFor(inChannels) { channels in
                    for ci in channels {
                        let planeBase = gb + ci * n * h * w
                        for i in 0..<(n * h * w) { planeBase[i] = 0 }
                        for ky in 0..<k {
                            for kx in 0..<k {
                                let src = db + ((ci * k + ky) * k + kx) * cols
                                for b in 0..<n {
                                    let plane = planeBase + b * h * w
                                    for oy in 0..<ho {
                                        let iy = oy * s - p + ky
                                        if iy < 0 || iy >= h { continue }
                                        let line = src + (b * ho + oy) * wo, dst = plane + iy * w
                                        for ox in 0..<wo {
                                            let ix = ox * s - p + kx
                                            if ix >= 0 && ix < w { dst[ix] += line[ox] }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
