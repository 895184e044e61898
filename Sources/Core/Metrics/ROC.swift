/// ROC curves and the area under them, defined exactly as scikit-learn's `roc_curve`
/// (with `drop_intermediate=True`) and `roc_auc_score` define them, ties included.
public struct ROCCurve: Equatable, Sendable {
    public var falsePositiveRate: [Double]
    public var truePositiveRate: [Double]
    /// Decreasing; the first is +infinity, as in scikit-learn >= 1.3.
    public var thresholds: [Double]
}

public enum ROC {
    /// The binary ROC curve. Returns nil when `positive` holds only one class: the curve is undefined.
    public static func curve(scores: [Double], positive: [Bool], dropIntermediate: Bool = true) -> ROCCurve? {
        var (tps, fps, thresholds) = binaryCounts(scores: scores, positive: positive)
        guard let totalP = tps.last, let totalN = fps.last, totalP > 0, totalN > 0 else { return nil }

        if dropIntermediate && tps.count > 2 {
            // Keep the end points and every point where the curve bends (second difference != 0).
            var keep = [Int]()
            for k in 0..<tps.count {
                if k == 0 || k == tps.count - 1 { keep.append(k); continue }
                let d2f = fps[k + 1] - 2 * fps[k] + fps[k - 1]
                let d2t = tps[k + 1] - 2 * tps[k] + tps[k - 1]
                if d2f != 0 || d2t != 0 { keep.append(k) }
            }
            tps = keep.map { tps[$0] }
            fps = keep.map { fps[$0] }
            thresholds = keep.map { thresholds[$0] }
        }
        let fpr = [0] + fps.map { $0 / totalN }
        let tpr = [0] + tps.map { $0 / totalP }
        return ROCCurve(falsePositiveRate: fpr, truePositiveRate: tpr, thresholds: [.infinity] + thresholds)
    }

    /// scikit-learn's `_binary_clf_curve`: at each distinct score, from the highest down, how many
    /// positives (tps) and negatives (fps) score at least that much. Ties are one threshold, so their
    /// order does not matter. Counts are whole numbers, exact in a Double.
    static func binaryCounts(scores: [Double], positive: [Bool]) -> (tps: [Double], fps: [Double], thresholds: [Double]) {
        precondition(scores.count == positive.count, "scores and labels differ in length")
        let n = scores.count
        let order = (0..<n).sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 > $1) }
        var tps: [Double] = [], fps: [Double] = [], thresholds: [Double] = []
        var tp = 0.0
        for (rank, i) in order.enumerated() {
            if positive[i] { tp += 1 }
            // A threshold closes wherever the next score differs (or the list ends).
            if rank == n - 1 || scores[order[rank + 1]] != scores[i] {
                tps.append(tp)
                fps.append(Double(rank + 1) - tp)
                thresholds.append(scores[i])
            }
        }
        return (tps, fps, thresholds)
    }

    /// Trapezoidal area under a curve whose x is monotonic (numpy's `trapz`, as `sklearn.metrics.auc`).
    public static func area(_ c: ROCCurve) -> Double {
        var s = 0.0
        let x = c.falsePositiveRate, y = c.truePositiveRate
        for i in 1..<x.count { s += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2 }
        return s
    }

    /// Binary ROC-AUC; nil (undefined) when only one class is present.
    public static func auc(scores: [Double], positive: [Bool]) -> Double? {
        curve(scores: scores, positive: positive).map(area)
    }

    /// One-vs-rest ROC curve of each class. `probabilities` is row-major [samples x classCount].
    /// A class absent from `labels` (or present in every row) is nil: undefined, not a curve.
    public static func perClassCurves(probabilities: [Double], labels: [Int], classCount: Int) -> [ROCCurve?] {
        precondition(probabilities.count == labels.count * classCount)
        return (0..<classCount).map { c in
            curve(scores: labels.indices.map { probabilities[$0 * classCount + c] }, positive: labels.map { $0 == c })
        }
    }

    /// One-vs-rest AUC for each class; nil where undefined.
    public static func perClassAUC(probabilities: [Double], labels: [Int], classCount: Int) -> [Double?] {
        perClassCurves(probabilities: probabilities, labels: labels, classCount: classCount).map { $0.map(area) }
    }

    /// Macro average of the one-vs-rest AUCs, as `roc_auc_score(multi_class="ovr", average="macro")`.
    /// For two classes scikit-learn reports the binary AUC of the second class, which is that class's
    /// one-vs-rest AUC. nil when any class's AUC is undefined.
    public static func macroAUC(perClassAUC per: [Double?]) -> Double? {
        if per.count == 2 { return per[1] }
        guard per.allSatisfy({ $0 != nil }) else { return nil }
        return per.reduce(0) { $0 + $1! } / Double(per.count)
    }

    public static func macroAUC(probabilities: [Double], labels: [Int], classCount: Int) -> Double? {
        macroAUC(perClassAUC: perClassAUC(probabilities: probabilities, labels: labels, classCount: classCount))
    }

    /// Micro average: the binary AUC over the flattened one-hot labels and probabilities.
    public static func microAUC(probabilities: [Double], labels: [Int], classCount: Int) -> Double? {
        var positive = [Bool](repeating: false, count: probabilities.count)
        for (i, y) in labels.enumerated() { positive[i * classCount + y] = true }
        return auc(scores: probabilities, positive: positive)
    }
}
