/// max(0, x), element-wise; works on any layout.
public final class ReLU: Layer {
    public let name: String
    /// Forward overwrites its input and backward its output gradient (the same values, no second
    /// map): for a block that owns both and reads neither again (ResidualBlock, the batch-norm CNN).
    public var inPlace = false
    private var out: Tensor?
    private var dx: Tensor?
    public init(name: String) { self.name = name }

    public func forward(_ x: Tensor, training: Bool, on context: ExecutionContext) -> Tensor {
        let y = inPlace ? x : Tensor.reuse(out, shape: x.shape); out = y
        y.data.withUnsafeMutableBufferPointer { yp in
            let yb = yp.baseAddress!
            let apply = { (xb: UnsafePointer<Float>) in
                context.parallelFor(x.count, minChunk: 4096) { r in for i in r { yb[i] = max(0, xb[i]) } }
            }
            if y === x { apply(UnsafePointer(yb)) } else { x.data.withUnsafeBufferPointer { apply($0.baseAddress!) } }
        }
        return y
    }

    /// For a fused conv -> pool -> ReLU forward (`Model`): the fused output is this layer's output.
    func adoptFusedOutput(_ y: Tensor) { out = y }

    /// The last output, for a pool that applies this layer's backward itself (`Model.backward`).
    var output: Tensor? { out }

    public func backward(_ dy: Tensor, on context: ExecutionContext) -> Tensor {
        guard let y = out else { fatalError("\(name): backward before forward") }
        let g = inPlace ? dy : Tensor.reuse(dx, shape: dy.shape)
        if !inPlace { dx = g }
        y.data.withUnsafeBufferPointer { yp in
            g.data.withUnsafeMutableBufferPointer { gp in
                let yb = yp.baseAddress!, gb = gp.baseAddress!
                let apply = { (db: UnsafePointer<Float>) in
                    context.parallelFor(dy.count, minChunk: 4096) { r in for i in r { gb[i] = yb[i] > 0 ? db[i] : 0 } }
                }
                if g === dy { apply(UnsafePointer(gb)) } else { dy.data.withUnsafeBufferPointer { apply($0.baseAddress!) } }
            }
        }
        return g
    }
}
