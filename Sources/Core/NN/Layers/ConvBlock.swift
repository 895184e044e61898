/// One block of the study's network as a single layer: conv 3x3 "same" -> max-pool 2x2 -> ReLU.
///
/// Max-pool and ReLU commute (max(relu(x)) = relu(max(x)), with the same gradients), so the ReLU runs
/// on the pooled map, a quarter of the size. When `fused`, forward is one pass
/// (`Conv2D.forwardPooledReLU`) that never writes the full-resolution map; in training it also fills
/// the pool's argmax and the ReLU's output, so backward is the layers' own backward. The bits are
/// the same fused or not; tests switch it off to compare.
public final class ConvBlock: Layer {
    public let name: String
    public let conv: Conv2D
    public let pool: MaxPool2D
    public let relu: ReLU
    public var fused = true

    public init(name: String, conv: Conv2D) {
        self.name = name
        self.conv = conv
        pool = MaxPool2D(name: "\(name).pool")
        relu = ReLU(name: "\(name).relu")
    }

    public var parameters: [Parameter] { conv.parameters }

    public func forward(_ x: Tensor, training: Bool, on context: ExecutionContext) -> Tensor {
        guard fused, conv.algorithm != .im2col else {
            let convolved = conv.forward(x, training: training, on: context)
            return relu.forward(pool.forward(convolved, training: training, on: context), training: training, on: context)
        }
        guard training else { return conv.forwardPooledReLU(x, on: context)! }
        var y: Tensor?
        let shape = [conv.outChannels, x.shape[1], x.shape[2], x.shape[3]] // stride 1, "same"
        pool.fusedForward(inShape: shape) { y = conv.forwardPooledReLU(x, argmax: $0, on: context) }
        relu.adoptFusedOutput(y!)
        return y!
    }

    /// The pool applies the ReLU's backward on its way (same arithmetic as one after the other).
    public func backward(_ dy: Tensor, on context: ExecutionContext) -> Tensor {
        if fused, let out = relu.output, let dx = conv.backwardThroughPool(dy, pool: pool, reluOutput: out, on: context) { return dx }
        return conv.backward(pool.backward(dy, throughReLUOf: relu.output, on: context), on: context)
    }
}
