/// [C, N, H, W] -> [N, parts x C x H]: each channel's frequency rows pooled over time (the W axis),
/// the modern head that replaces `Flatten`. Feature (part x C + c) x H + h is part `part` (the mean,
/// then the maximum, for `.avgmax`) of channel c, row h: PyTorch's
/// `torch.cat([x.mean(-1), x.amax(-1)], 1).flatten(1)` on NCHW.
public final class TimePool: Layer {
    public let name: String
    public let pooling: HeadPooling
    private var inShape: [Int] = []
    private var argmax: [Int32] = []
    private var out: Tensor?
    private var dx: Tensor?

    public init(name: String, pooling: HeadPooling) {
        precondition(pooling != .flatten, "\(name): flatten is the Flatten layer")
        self.name = name
        self.pooling = pooling
    }

    private var takesMean: Bool { pooling != .max }
    private var takesMax: Bool { pooling != .avg }

    public func forward(_ x: Tensor, training: Bool, on context: ExecutionContext) -> Tensor {
        inShape = x.shape
        let (c, n, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let features = pooling.parts * c * h
        let y = Tensor.reuse(out, shape: [n, features]); out = y
        if takesMax && argmax.count != c * n * h { argmax = [Int32](repeating: 0, count: c * n * h) }
        let maxOffset = takesMean ? c * h : 0
        for ci in 0..<c {
            for b in 0..<n {
                for r in 0..<h {
                    let row = ((ci * n + b) * h + r) * w, feature = b * features + ci * h + r
                    if takesMean {
                        var s: Float = 0
                        for i in 0..<w { s += x.data[row + i] } // left to right: a fixed order
                        y.data[feature] = s / Float(w)
                    }
                    if takesMax {
                        var best = x.data[row], at = 0
                        for i in 1..<max(w, 1) where x.data[row + i] > best { best = x.data[row + i]; at = i } // first maximum
                        y.data[feature + maxOffset] = best
                        argmax[(ci * n + b) * h + r] = Int32(at)
                    }
                }
            }
        }
        return y
    }

    public func backward(_ dy: Tensor, on context: ExecutionContext) -> Tensor {
        let (c, n, h, w) = (inShape[0], inShape[1], inShape[2], inShape[3])
        let features = pooling.parts * c * h, maxOffset = takesMean ? c * h : 0
        let g = Tensor.reuse(dx, shape: inShape); dx = g
        for ci in 0..<c {
            for b in 0..<n {
                for r in 0..<h {
                    let row = ((ci * n + b) * h + r) * w, feature = b * features + ci * h + r
                    let share: Float = takesMean ? dy.data[feature] / Float(w) : 0
                    for i in 0..<w { g.data[row + i] = share }
                    if takesMax { g.data[row + Int(argmax[(ci * n + b) * h + r])] += dy.data[feature + maxOffset] }
                }
            }
        }
        return g
    }
}
