import Foundation
import Numerics

/// Softmax fused with categorical cross-entropy over logits [N, K]. Stable: the row maximum is
/// subtracted before exponentiating. The gradient of the mean loss is (p - onehot) / N.
public enum SoftmaxCrossEntropy {
    /// Row-wise softmax in place.
    public static func softmax(_ logits: inout [Float], classes k: Int) {
        let n = logits.count / k
        for b in 0..<n {
            var mx = -Float.infinity
            for j in 0..<k { mx = max(mx, logits[b * k + j]) }
            var s: Float = 0
            for j in 0..<k { let e = Elementary.exp(logits[b * k + j] - mx); logits[b * k + j] = e; s += e }
            for j in 0..<k { logits[b * k + j] /= s }
        }
    }

    /// Returns the summed loss over the batch (double, fixed order), and writes probabilities and dLogits.
    public static func lossAndGradient(logits: Tensor, labels: ArraySlice<Int>, probabilities: inout [Float],
                                       gradient: Tensor) -> Double {
        let n = logits.shape[0], k = logits.shape[1]
        probabilities = logits.data
        gradient.reshape(to: logits.shape)
        var total: Double = 0
        for b in 0..<n {
            let (mx, logS) = rowMaxAndLogSum(logits.data, row: b, classes: k)
            let y = labels[labels.startIndex + b]
            total += Double(logS - (logits.data[b * k + y] - mx))
            for j in 0..<k {
                let p = Elementary.exp(logits.data[b * k + j] - mx - logS)
                probabilities[b * k + j] = p
                gradient.data[b * k + j] = (p - (j == y ? 1 : 0)) / Float(n)
            }
        }
        return total
    }

    /// With soft targets [N x K] (mixup's blends): the summed loss -sum_j t_j log p_j, and the mean
    /// loss's gradient (p - t) / N.
    public static func lossAndGradient(logits: Tensor, targets: [Float], probabilities: inout [Float],
                                       gradient: Tensor) -> Double {
        let n = logits.shape[0], k = logits.shape[1]
        precondition(targets.count == n * k, "soft targets: \(targets.count) values for \(n) x \(k)")
        probabilities = logits.data
        gradient.reshape(to: logits.shape)
        var total: Double = 0
        for b in 0..<n {
            let (mx, logS) = rowMaxAndLogSum(logits.data, row: b, classes: k)
            for j in 0..<k {
                let logP = logits.data[b * k + j] - mx - logS, t = targets[b * k + j]
                total -= Double(t * logP)
                let p = Elementary.exp(logP)
                probabilities[b * k + j] = p
                gradient.data[b * k + j] = (p - t) / Float(n)
            }
        }
        return total
    }

    /// Row b's largest logit and log(sum exp(logit - max)), summed in class order: the stable
    /// log-softmax both losses share.
    private static func rowMaxAndLogSum(_ logits: [Float], row b: Int, classes k: Int) -> (max: Float, logSum: Float) {
        var mx = -Float.infinity
        for j in 0..<k { mx = max(mx, logits[b * k + j]) }
        var s: Float = 0
        for j in 0..<k { s += Elementary.exp(logits[b * k + j] - mx) }
        return (mx, Elementary.log(s))
    }
}
