import Numerics

/// A sigmoid per output fused with binary cross-entropy, for tagging (several tags per clip) over
/// logits [N, K] and 0/1 (or soft) targets [N, K]. The loss of one output, written stably for any
/// logit z, is max(z, 0) - z t + log(1 + e^-|z|) (as Keras's and PyTorch's "with logits" losses).
/// The batch loss is the mean over every output, as theirs is, so its gradient is (sigmoid(z) - t) / (N K).
public enum SigmoidBinaryCrossEntropy {
    /// 1 / (1 + e^-z), without overflow for either sign.
    @inline(__always)
    public static func sigmoid(_ z: Float) -> Float {
        if z >= 0 { return 1 / (1 + Elementary.exp(-z)) }
        let e = Elementary.exp(z)
        return e / (1 + e)
    }

    /// Element-wise sigmoid in place: each output's probability of its tag.
    public static func sigmoid(_ logits: inout [Float]) {
        for i in logits.indices { logits[i] = sigmoid(logits[i]) }
    }

    /// Returns the summed loss over the batch, each clip's loss the mean over its K outputs (Double,
    /// summed in index order); writes the probabilities and the mean loss's gradient.
    public static func lossAndGradient(logits: Tensor, targets: [Float], probabilities: inout [Float], gradient: Tensor) -> Double {
        let n = logits.shape[0], k = logits.shape[1]
        precondition(targets.count == n * k, "targets: \(targets.count) values for \(n) x \(k)")
        probabilities = logits.data
        gradient.reshape(to: logits.shape)
        let scale = 1 / Float(n * k)
        var total = 0.0
        for b in 0..<n {
            var row = 0.0
            for j in 0..<k {
                let i = b * k + j, z = logits.data[i], t = targets[i]
                let zd = Double(z)
                row += max(zd, 0) - zd * Double(t) + Elementary.log(1 + Elementary.exp(-abs(zd)))
                let p = sigmoid(z)
                probabilities[i] = p
                gradient.data[i] = (p - t) * scale
            }
            total += row / Double(k)
        }
        return total
    }
}
