/// max(0, x), element-wise; works on any layout.
public final class ReLU: Layer {
    public let name: String
    private var out: Tensor?
    private var dx: Tensor?
    public init(name: String) { self.name = name }

    public func forward(_ x: Tensor, training: Bool, on context: ExecutionContext) -> Tensor {
        let y = Tensor.reuse(out, shape: x.shape); out = y
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                let xb = xp.baseAddress!, yb = yp.baseAddress!
                context.parallelFor(x.count, minChunk: 4096) { r in for i in r { yb[i] = max(0, xb[i]) } }
            }
        }
        return y
    }

    /// For a fused conv -> pool -> ReLU forward (`Model`): the fused output is this layer's output.
    func adoptFusedOutput(_ y: Tensor) { out = y }

    /// The last output, for a pool that applies this layer's backward itself (`Model.backward`).
    var output: Tensor? { out }

    public func backward(_ dy: Tensor, on context: ExecutionContext) -> Tensor {
        guard let y = out else { fatalError("\(name): backward before forward") }
        let g = Tensor.reuse(dx, shape: dy.shape); dx = g
        y.data.withUnsafeBufferPointer { yp in
            dy.data.withUnsafeBufferPointer { dp in
                g.data.withUnsafeMutableBufferPointer { gp in
                    let yb = yp.baseAddress!, db = dp.baseAddress!, gb = gp.baseAddress!
                    context.parallelFor(dy.count, minChunk: 4096) { r in for i in r { gb[i] = yb[i] > 0 ? db[i] : 0 } }
                }
            }
        }
        return g
    }
}
