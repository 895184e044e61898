/// A layer computes its forward pass and, next to it, its backward pass. Each layer owns its output
/// and input-gradient buffers, reused from batch to batch.
public protocol Layer: AnyObject {
    var name: String { get }
    /// Trainable parameters, updated by the optimiser.
    var parameters: [Parameter] { get }
    /// Tracked state that is not trained (BatchNorm running statistics); saved in checkpoints.
    var buffers: [Parameter] { get }
    func forward(_ x: Tensor, training: Bool, on context: ExecutionContext) -> Tensor
    /// Given dLoss/dOutput, fills parameter gradients and returns dLoss/dInput.
    func backward(_ dy: Tensor, on context: ExecutionContext) -> Tensor
}

extension Layer {
    public var parameters: [Parameter] { [] }
    public var buffers: [Parameter] { [] }
}

/// Glorot (Xavier) uniform, Keras' default kernel initialiser.
func glorotUniform(count: Int, fanIn: Int, fanOut: Int, rng: inout SeededRNG) -> [Float] {
    let limit = (6.0 / Double(fanIn + fanOut)).squareRoot()
    return (0..<count).map { _ in Float(rng.uniform(-limit, limit)) }
}
