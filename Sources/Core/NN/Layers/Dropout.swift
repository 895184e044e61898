/// Inverted dropout: in training, each unit is zeroed with probability `rate` and the survivors are
/// scaled by 1 / (1 - rate); at inference it is the identity. The mask comes from the trainer's
/// dropout generator, drawn in a fixed order, so it does not depend on the thread count.
public final class Dropout: Layer {
    public let name: String
    public let rate: Float
    /// Set by the trainer before each training forward pass.
    public var rng = SeededRNG(seed: 0)
    private var mask: [Float] = []
    private var out: Tensor?
    private var dx: Tensor?

    public init(name: String, rate: Double) {
        self.name = name
        self.rate = Float(rate)
    }

    public func forward(_ x: Tensor, training: Bool, on context: ExecutionContext) -> Tensor {
        guard training && rate > 0 else { return x }
        let y = Tensor.reuse(out, shape: x.shape); out = y
        if mask.count != x.count { mask = [Float](repeating: 0, count: x.count) }
        let keep = 1 / (1 - rate)
        mask.withUnsafeMutableBufferPointer { m in
            for i in 0..<m.count { m[i] = rng.uniformFloat() < rate ? 0 : keep }
        }
        multiply(x, mask, into: y)
        return y
    }

    public func backward(_ dy: Tensor, on context: ExecutionContext) -> Tensor {
        guard rate > 0, mask.count == dy.count else { return dy }
        let g = Tensor.reuse(dx, shape: dy.shape); dx = g
        multiply(dy, mask, into: g)
        return g
    }

    private func multiply(_ a: Tensor, _ mask: [Float], into out: Tensor) {
        a.data.withUnsafeBufferPointer { ap in
            mask.withUnsafeBufferPointer { mp in
                out.data.withUnsafeMutableBufferPointer { op in
                    for i in 0..<op.count { op[i] = ap[i] * mp[i] }
                }
            }
        }
    }
}
