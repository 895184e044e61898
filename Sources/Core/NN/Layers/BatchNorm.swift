import Foundation

/// Batch normalisation over each channel of [C, N, H, W], with Keras's epsilon of 1e-3. Training uses
/// the batch's statistics (biased variance); inference uses the running ones. Their momentum is
/// PyTorch's 0.9 (`momentum=0.1` there), not Keras's 0.99: our runs take a few hundred steps, and at
/// 0.99 the running statistics still carry the first, random-weight batches (docs/recipe.md).
public final class BatchNorm: Layer {
    public let name: String
    public let channels: Int
    public let gamma: Parameter, beta: Parameter
    public let runningMean: Parameter, runningVariance: Parameter
    public var momentum: Float = 0.9
    public var epsilon: Float = 1e-3
    public var parameters: [Parameter] { [gamma, beta] }
    /// Its settings as PyTorch's `BatchNorm2d` takes them (PyTorch's momentum is 1 - ours).
    var pytorchArguments: String { String(format: "eps=%g, momentum=%g", Double(epsilon), 1 - Double(momentum)) }
    public var buffers: [Parameter] { [runningMean, runningVariance] }

    /// Forward writes its output over its input (which nothing else reads again; the normalised
    /// values backward needs are kept apart), and backward its input gradient over its output
    /// gradient: the same arithmetic, one map fewer each way.
    public var forwardInPlace = false, backwardInPlace = false

    private var xhat: [Float] = []
    private var invStd: [Float] = []
    private var out: Tensor?
    private var dx: Tensor?

    public init(name: String, channels: Int) {
        self.name = name
        self.channels = channels
        gamma = Parameter(name: "\(name).gamma", shape: [channels], value: [Float](repeating: 1, count: channels))
        beta = Parameter(name: "\(name).beta", shape: [channels], value: [Float](repeating: 0, count: channels))
        runningMean = Parameter(name: "\(name).running_mean", shape: [channels], value: [Float](repeating: 0, count: channels))
        runningVariance = Parameter(name: "\(name).running_variance", shape: [channels], value: [Float](repeating: 1, count: channels))
    }

    /// Channel-major input: channel c's values are x[c*m ..< (c+1)*m].
    public func forward(_ x: Tensor, training: Bool, on context: ExecutionContext) -> Tensor {
        precondition(x.shape.count == 4 && x.shape[0] == channels, "\(name): BatchNorm expects [C, N, H, W]")
        let m = x.count / channels
        let y = forwardInPlace ? x : Tensor.reuse(out, shape: x.shape)
        out = forwardInPlace ? nil : y
        if xhat.count != x.count { xhat = [Float](repeating: 0, count: x.count) }
        if invStd.count != channels { invStd = [Float](repeating: 0, count: channels) }
        // Every pointer lives only inside the closure that lends it (no escaping baseAddress).
        withPointers(y, [gamma, beta, runningMean, runningVariance]) { yp, p in
            if y === x {
                normalise(UnsafePointer(yp), into: yp, p, count: m, training: training, on: context)
            } else {
                x.data.withUnsafeBufferPointer { normalise($0.baseAddress!, into: yp, p, count: m, training: training, on: context) }
            }
        }
        return y
    }

    /// Each channel's statistics from `xp`, then x̂ and y = γ x̂ + β. `yp` may be `xp`: each element
    /// is read before it is written. `p`: γ, β, running mean, running variance.
    private func normalise(_ xp: UnsafePointer<Float>, into yp: UnsafeMutablePointer<Float>, _ p: [UnsafeMutablePointer<Float>],
                           count m: Int, training: Bool, on context: ExecutionContext) {
        let (gp, bp, rm, rv) = (p[0], p[1], p[2], p[3])
        let (mom, eps) = (momentum, epsilon)
        xhat.withUnsafeMutableBufferPointer { hb in
            invStd.withUnsafeMutableBufferPointer { ib in
                let hp = hb.baseAddress!, ip = ib.baseAddress!
                context.parallelFor(channels) { cs in
                    for c in cs {
                        let xs = xp + c * m, hs = hp + c * m, ys = yp + c * m
                        var mean: Float, variance: Float
                        if training {
                            var s: Double = 0
                            for i in 0..<m { s += Double(xs[i]) }
                            mean = Float(s / Double(m))
                            var v: Double = 0
                            for i in 0..<m { let d = Double(xs[i] - mean); v += d * d }
                            variance = Float(v / Double(m))
                            rm[c] = mom * rm[c] + (1 - mom) * mean
                            rv[c] = mom * rv[c] + (1 - mom) * variance
                        } else {
                            mean = rm[c]
                            variance = rv[c]
                        }
                        let inv = 1 / (variance + eps).squareRoot()
                        ip[c] = inv
                        let g = gp[c], b = bp[c]
                        for i in 0..<m {
                            let h = (xs[i] - mean) * inv
                            hs[i] = h
                            ys[i] = g * h + b
                        }
                    }
                }
            }
        }
    }

    public func backward(_ dy: Tensor, on context: ExecutionContext) -> Tensor { backward(dy, into: nil, on: context) }

    /// `spare`: a map of dy's shape that nothing reads again (a residual block's shortcut map, dead
    /// after the sum), to hold the input gradient instead of a map of this layer's own.
    func backward(_ dy: Tensor, into spare: Tensor?, on context: ExecutionContext) -> Tensor {
        let m = dy.count / channels
        precondition(spare.map { $0.shape == dy.shape && $0 !== dy } ?? true, "\(name): a spare map must be another map of dy's shape")
        let g = backwardInPlace ? dy : spare ?? Tensor.reuse(dx, shape: dy.shape)
        if !backwardInPlace && spare == nil { dx = g }
        g.data.withUnsafeMutableBufferPointer { gb in
            if g === dy {
                inputGradient(UnsafePointer(gb.baseAddress!), into: gb.baseAddress!, count: m, on: context)
            } else {
                dy.data.withUnsafeBufferPointer { inputGradient($0.baseAddress!, into: gb.baseAddress!, count: m, on: context) }
            }
        }
        return g
    }

    /// γ's and β's gradients, and the input gradient into `gp`. `gp` may be `dp`: a channel's output
    /// gradient is summed before any of it is overwritten.
    private func inputGradient(_ dp: UnsafePointer<Float>, into gp: UnsafeMutablePointer<Float>, count m: Int,
                               on context: ExecutionContext) {
        xhat.withUnsafeBufferPointer { hb in
            invStd.withUnsafeBufferPointer { ib in
                gamma.value.withUnsafeBufferPointer { gvb in
                    let (hp, ip, gammaValue) = (hb.baseAddress!, ib.baseAddress!, gvb.baseAddress!)
                    gamma.grad.withUnsafeMutableBufferPointer { ggb in
                        beta.grad.withUnsafeMutableBufferPointer { bgb in
                            let ggp = ggb.baseAddress!, bgp = bgb.baseAddress!
                            context.parallelFor(channels) { cs in
                                for c in cs {
                                    let ds = dp + c * m, hs = hp + c * m, out = gp + c * m
                                    var sumDy: Double = 0, sumDyXhat: Double = 0
                                    for i in 0..<m {
                                        sumDy += Double(ds[i])
                                        sumDyXhat += Double(ds[i] * hs[i])
                                    }
                                    ggp[c] = Float(sumDyXhat)
                                    bgp[c] = Float(sumDy)
                                    let k = gammaValue[c] * ip[c] / Float(m)
                                    let mDy = Float(sumDy), mDyX = Float(sumDyXhat)
                                    for i in 0..<m { out[i] = k * (Float(m) * ds[i] - mDy - hs[i] * mDyX) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Mutable base pointers to a tensor and to several parameters' values, for parallel loops that write
/// disjoint elements (Swift's exclusivity checks forbid concurrent subscripting of class-held arrays).
func withPointers(_ t: Tensor, _ params: [Parameter], _ body: (UnsafeMutablePointer<Float>, [UnsafeMutablePointer<Float>]) -> Void) {
    t.data.withUnsafeMutableBufferPointer { tb in
        var pointers: [UnsafeMutablePointer<Float>] = []
        func nest(_ i: Int) {
            if i == params.count { body(tb.baseAddress!, pointers); return }
            params[i].value.withUnsafeMutableBufferPointer { pb in
                pointers.append(pb.baseAddress!)
                nest(i + 1)
            }
        }
        nest(0)
    }
}
