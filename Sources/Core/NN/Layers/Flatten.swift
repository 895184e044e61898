/// [C, N, H, W] -> [N, C*H*W]: one row of features per sample, channel-major within the row.
public final class Flatten: Layer {
    public let name: String
    private var inShape: [Int] = []
    private var out: Tensor?
    private var dx: Tensor?
    public init(name: String) { self.name = name }

    public func forward(_ x: Tensor, training: Bool, on context: ExecutionContext) -> Tensor {
        inShape = x.shape
        let (c, n, hw) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        let y = Tensor.reuse(out, shape: [n, c * hw]); out = y
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                for b in 0..<n {
                    for ci in 0..<c {
                        (yp.baseAddress! + (b * c + ci) * hw).update(from: xp.baseAddress! + (ci * n + b) * hw, count: hw)
                    }
                }
            }
        }
        return y
    }

    public func backward(_ dy: Tensor, on context: ExecutionContext) -> Tensor {
        let (c, n, hw) = (inShape[0], inShape[1], inShape[2] * inShape[3])
        let g = Tensor.reuse(dx, shape: inShape); dx = g
        dy.data.withUnsafeBufferPointer { dp in
            g.data.withUnsafeMutableBufferPointer { gp in
                for b in 0..<n {
                    for ci in 0..<c {
                        (gp.baseAddress! + (ci * n + b) * hw).update(from: dp.baseAddress! + (b * c + ci) * hw, count: hw)
                    }
                }
            }
        }
        return g
    }
}

/// [C, N, H, W] -> [N, C]: the mean of each channel's plane.
public final class GlobalAveragePool: Layer {
    public let name: String
    private var inShape: [Int] = []
    private var out: Tensor?
    private var dx: Tensor?
    public init(name: String) { self.name = name }

    public func forward(_ x: Tensor, training: Bool, on context: ExecutionContext) -> Tensor {
        inShape = x.shape
        let (c, n, hw) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        let y = Tensor.reuse(out, shape: [n, c]); out = y
        for ci in 0..<c {
            for b in 0..<n {
                var s: Float = 0
                for i in 0..<hw { s += x.data[(ci * n + b) * hw + i] }
                y.data[b * c + ci] = s / Float(hw)
            }
        }
        return y
    }

    public func backward(_ dy: Tensor, on context: ExecutionContext) -> Tensor {
        let (c, n, hw) = (inShape[0], inShape[1], inShape[2] * inShape[3])
        let g = Tensor.reuse(dx, shape: inShape); dx = g
        for ci in 0..<c { for b in 0..<n {
            let v = dy.data[b * c + ci] / Float(hw)
            for i in 0..<hw { g.data[(ci * n + b) * hw + i] = v }
        } }
        return g
    }
}
