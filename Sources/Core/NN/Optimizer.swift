import Foundation
import Numerics

public enum OptimizerKind: String, Codable, Sendable { case adam, sgd }

/// Adam with Keras' defaults (beta1 0.9, beta2 0.999, epsilon 1e-7), or SGD with momentum as Keras
/// defines it (v = momentum * v - lr * g; w += v). Moments are kept per parameter, in order.
final class Optimizer {
    let kind: OptimizerKind
    var learningRate: Double
    let momentum: Double
    /// AdamW's decoupled decay of kernels (parameters of rank 2 or more); 0: off.
    let weightDecay: Double
    var step: Int = 0
    var first: [[Float]]
    var second: [[Float]]
    let beta1 = 0.9, beta2 = 0.999, epsilon: Float = 1e-7

    init(kind: OptimizerKind, learningRate: Double, momentum: Double, weightDecay: Double = 0, parameters: [Parameter]) {
        self.kind = kind
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        first = parameters.map { [Float](repeating: 0, count: $0.value.count) }
        second = kind == .adam ? parameters.map { [Float](repeating: 0, count: $0.value.count) } : []
    }

    func update(_ parameters: [Parameter], on context: ExecutionContext) {
        step += 1
        if weightDecay > 0 {
            let shrink = Float(learningRate * weightDecay)
            for p in parameters where p.shape.count > 1 {
                p.value.withUnsafeMutableBufferPointer { w in
                    let wb = w.baseAddress!
                    context.parallelFor(w.count, minChunk: 1 << 15) { range in for j in range { wb[j] -= shrink * wb[j] } }
                }
            }
        }
        switch kind {
        case .adam:
            let alpha = Float(learningRate * (1 - Elementary.pow(beta2, Double(step))).squareRoot() / (1 - Elementary.pow(beta1,
                    Double(step))))
            let b1 = Float(beta1), b2 = Float(beta2), eps = epsilon
            for (i, p) in parameters.enumerated() {
                p.value.withUnsafeMutableBufferPointer { w in
                    p.grad.withUnsafeBufferPointer { g in
                        first[i].withUnsafeMutableBufferPointer { m in
                            second[i].withUnsafeMutableBufferPointer { v in
                                let (wb, gb, mb, vb) = (w.baseAddress!, g.baseAddress!, m.baseAddress!, v.baseAddress!)
                                // Element-wise, so any split gives the same bits.
                                context.parallelFor(w.count, minChunk: 1 << 15) { range in
                                    for j in range {
                                        mb[j] = b1 * mb[j] + (1 - b1) * gb[j]
                                        vb[j] = b2 * vb[j] + (1 - b2) * gb[j] * gb[j]
                                        wb[j] -= alpha * mb[j] / (vb[j].squareRoot() + eps)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        case .sgd:
            let lr = Float(learningRate), mu = Float(momentum)
            for (i, p) in parameters.enumerated() {
                for j in 0..<p.value.count {
                    first[i][j] = mu * first[i][j] - lr * p.grad[j]
                    p.value[j] += first[i][j]
                }
            }
        }
    }
}
