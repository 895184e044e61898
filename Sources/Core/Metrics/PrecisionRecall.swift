/// Precision-recall curves and average precision (PR-AUC), defined exactly as scikit-learn's
/// `precision_recall_curve` and `average_precision_score` define them, ties included.
public struct PRCurve: Equatable, Sendable {
    /// From the highest threshold down: precision and recall at each distinct score, then the
    /// curve's end point (recall 0, precision 1) first, as scikit-learn orders it reversed.
    public var precision: [Double]
    public var recall: [Double]
    /// Increasing, one per point but the (0, 1) end point.
    public var thresholds: [Double]
}

public enum PrecisionRecall {
    /// The binary precision-recall curve, as scikit-learn returns it: recall decreasing to 0 and the
    /// point (recall 0, precision 1) last. nil when `positive` has no positive: recall is undefined.
    public static func curve(scores: [Double], positive: [Bool]) -> PRCurve? {
        let (tps, fps, thresholds) = ROC.binaryCounts(scores: scores, positive: positive)
        guard let totalP = tps.last, totalP > 0 else { return nil }
        let precision = zip(tps, fps).map { $0 + $1 == 0 ? 0 : $0 / ($0 + $1) }
        let recall = tps.map { $0 / totalP }
        return PRCurve(precision: precision.reversed() + [1], recall: recall.reversed() + [0], thresholds: thresholds.reversed())
    }

    /// Average precision: the sum over thresholds, from the highest score down, of the recall gained
    /// there times the precision there (no interpolation), as `average_precision_score`. Summed in
    /// that order. nil (undefined) when there is no positive; scikit-learn would report 0.
    public static func averagePrecision(scores: [Double], positive: [Bool]) -> Double? {
        let (tps, fps, _) = ROC.binaryCounts(scores: scores, positive: positive)
        guard let totalP = tps.last, totalP > 0 else { return nil }
        var sum = 0.0, previousRecall = 0.0
        for (tp, fp) in zip(tps, fps) {
            let recall = tp / totalP
            sum += (recall - previousRecall) * (tp / (tp + fp))
            previousRecall = recall
        }
        return max(0, sum)
    }
}

/// The multi-label metrics of a tagging task, per tag and averaged, as the field reports them (Won
/// et al. 2020: macro ROC-AUC and PR-AUC over tags). Scores and tags are row-major [items x tags].
/// A tag with no positive or no negative item has no ROC-AUC, and one with no positive has no PR-AUC:
/// they are nil, and the macro averages are over the tags that have one, with the count that do.
public struct TaggingReport: Codable, Equatable, Sendable {
    public var tagCount: Int
    /// Per tag: how many items carry it.
    public var positives: [Int]
    public var rocAUC: [Double?]
    public var averagePrecision: [Double?]
    /// Mean over the tags whose metric is defined (nil when none is), summed in tag order.
    public var macroROCAUC: Double?
    public var macroAveragePrecision: Double?
    /// The metric over every (item, tag) pair at once (scikit-learn's average="micro").
    public var microROCAUC: Double?
    public var microAveragePrecision: Double?

    public init(scores: [Double], tags: [Bool], tagCount k: Int) {
        precondition(k > 0 && scores.count == tags.count && scores.count % k == 0, "scores and tags must be [items x \(k)]")
        let items = scores.count / k
        // Each tag's column, taken out once for both metrics.
        let columns = (0..<k).map { t in ((0..<items).map { scores[$0 * k + t] }, (0..<items).map { tags[$0 * k + t] }) }
        tagCount = k
        positives = columns.map { $0.1.filter { $0 }.count }
        rocAUC = columns.map { ROC.auc(scores: $0.0, positive: $0.1) }
        averagePrecision = columns.map { PrecisionRecall.averagePrecision(scores: $0.0, positive: $0.1) }
        macroROCAUC = Self.mean(rocAUC)
        macroAveragePrecision = Self.mean(averagePrecision)
        microROCAUC = ROC.auc(scores: scores, positive: tags)
        microAveragePrecision = PrecisionRecall.averagePrecision(scores: scores, positive: tags)
    }

    /// The mean of the defined values, in index order; nil when none is defined.
    static func mean(_ values: [Double?]) -> Double? {
        let defined = values.compactMap { $0 }
        return defined.isEmpty ? nil : defined.reduce(0, +) / Double(defined.count)
    }
}
