/// Fully connected: Y[N, out] = X[N, in] x W[in, out] + b (Keras' kernel layout).
public final class Dense: Layer {
    public let name: String
    public let inFeatures: Int, outFeatures: Int
    public let weight: Parameter, bias: Parameter
    public var parameters: [Parameter] { [weight, bias] }
    private var input: Tensor?
    private var out: Tensor?
    private var dx: Tensor?

    public init(name: String, inFeatures: Int, outFeatures: Int, rng: inout SeededRNG) {
        self.name = name
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = Parameter(name: "\(name).weight", shape: [inFeatures, outFeatures],
                           value: glorotUniform(count: inFeatures * outFeatures, fanIn: inFeatures, fanOut: outFeatures, rng: &rng))
        bias = Parameter(name: "\(name).bias", shape: [outFeatures], value: [Float](repeating: 0, count: outFeatures))
    }

    public func forward(_ x: Tensor, training: Bool, on context: ExecutionContext) -> Tensor {
        let n = x.shape[0]
        precondition(x.shape[1] == inFeatures, "\(name): expected \(inFeatures) features, got \(x.shape[1])")
        input = x
        let y = Tensor.reuse(out, shape: [n, outFeatures]); out = y
        x.data.withUnsafeBufferPointer { xp in
            weight.value.withUnsafeBufferPointer { wp in
                y.data.withUnsafeMutableBufferPointer { yp in
                    GEMM.multiply(on: context, m: n, n: outFeatures, k: inFeatures, a: xp.baseAddress!, lda: inFeatures,
                               b: wp.baseAddress!, ldb: outFeatures, c: yp.baseAddress!, ldc: outFeatures)
                }
            }
        }
        for b in 0..<n { for j in 0..<outFeatures { y.data[b * outFeatures + j] += bias.value[j] } }
        return y
    }

    public func backward(_ dy: Tensor, on context: ExecutionContext) -> Tensor {
        guard let x = input else { fatalError("\(name): backward before forward") }
        let n = x.shape[0]
        x.data.withUnsafeBufferPointer { xp in
            dy.data.withUnsafeBufferPointer { dp in
                weight.grad.withUnsafeMutableBufferPointer { gw in
                    GEMM.multiply(on: context, transA: true, m: inFeatures, n: outFeatures, k: n, a: xp.baseAddress!, lda: inFeatures,
                               b: dp.baseAddress!, ldb: outFeatures, c: gw.baseAddress!, ldc: outFeatures)
                }
            }
        }
        for j in 0..<outFeatures {
            var s: Float = 0
            for b in 0..<n { s += dy.data[b * outFeatures + j] }
            bias.grad[j] = s
        }
        let g = Tensor.reuse(dx, shape: x.shape); dx = g
        dy.data.withUnsafeBufferPointer { dp in
            weight.value.withUnsafeBufferPointer { wp in
                g.data.withUnsafeMutableBufferPointer { gp in
                    GEMM.multiply(on: context, transB: true, m: n, n: inFeatures, k: outFeatures, a: dp.baseAddress!, lda: outFeatures,
                               b: wp.baseAddress!, ldb: outFeatures, c: gp.baseAddress!, ldc: inFeatures)
                }
            }
        }
        return g
    }
}
