/// Max pooling over size x size windows with stride = size ("valid": the ragged edge is dropped,
/// as Keras does). Remembers where each maximum came from for the backward pass.
public final class MaxPool2D: Layer {
    public let name: String
    public let size: Int
    private var argmax: [Int32] = []
    private var inShape: [Int] = []
    private var out: Tensor?
    private var dx: Tensor?

    public init(name: String, size: Int = 2) {
        self.name = name
        self.size = size
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let (c, n, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let ho = h / size, wo = w / size
        inShape = x.shape
        let y = Tensor.reuse(out, shape: [c, n, ho, wo]); out = y
        if argmax.count != y.count { argmax = [Int32](repeating: 0, count: y.count) }
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                argmax.withUnsafeMutableBufferPointer { ap in
                    let xb = xp.baseAddress!, yb = yp.baseAddress!, ab = ap.baseAddress!
                    parallelFor(c * n) { planes in
                        for pl in planes {
                            let src = xb + pl * h * w, dst = yb + pl * ho * wo, arg = ab + pl * ho * wo
                            for oy in 0..<ho {
                                for ox in 0..<wo {
                                    var best = -Float.infinity, at = 0
                                    for dy in 0..<size {
                                        let row = (oy * size + dy) * w + ox * size
                                        for dx in 0..<size where src[row + dx] > best {
                                            best = src[row + dx]; at = row + dx
                                        }
                                    }
                                    dst[oy * wo + ox] = best
                                    arg[oy * wo + ox] = Int32(at)
                                }
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let (c, n, h, w) = (inShape[0], inShape[1], inShape[2], inShape[3])
        let ho = h / size, wo = w / size
        let g = Tensor.reuse(dx, shape: inShape); dx = g
        dy.data.withUnsafeBufferPointer { dp in
            g.data.withUnsafeMutableBufferPointer { gp in
                argmax.withUnsafeBufferPointer { ap in
                    let db = dp.baseAddress!, gb = gp.baseAddress!, ab = ap.baseAddress!
                    parallelFor(c * n) { planes in
                        for pl in planes {
                            let dst = gb + pl * h * w
                            for i in 0..<(h * w) { dst[i] = 0 }
                            for i in 0..<(ho * wo) { dst[Int(ab[pl * ho * wo + i])] += db[pl * ho * wo + i] }
                        }
                    }
                }
            }
        }
        return g
    }
}
