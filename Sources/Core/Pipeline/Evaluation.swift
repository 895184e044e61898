/// One model on one split, predicted once: the segment- and clip-level reports (with their ROC
/// curves) and the clip probabilities that metrics, figures and predictions.csv all read.
public struct Evaluation: Sendable {
    public var segment: ClassificationReport
    public var clip: ClassificationReport
    /// The clips, as indices into the split's clip list, in order of their first segment.
    public var clipIDs: [Int]
    /// Row-major [clips x classes]: each clip's segments aggregated (by default the mean of their probabilities).
    public var clipProbabilities: [Double]
    public var clipLabels: [Int]
    /// Row-major [segments x classes], and each segment's true class.
    public var segmentProbabilities: [Double]
    public var segmentLabels: [Int]

    /// `clipIndex[i]` is the clip of segment i; `aggregate` turns a clip's segments into the clip's output.
    public init(model: Model, data: Dataset, clipIndex: [Int], aggregate: ClipAggregate = .meanProbability,
                on context: ExecutionContext) {
        let k = model.config.classes
        let (p, logits) = model.outputs(data.samples, for: aggregate, on: context)
        segment = ClassificationReport(probabilities: p, labels: data.labels, classCount: k)
        segmentProbabilities = p
        segmentLabels = data.labels
        let clips = ClipAggregation.aggregate(aggregate, probabilities: p, logits: logits, classCount: k, clipIDs: clipIndex)
        var labelOf: [Int: Int] = [:]
        for (c, y) in zip(clipIndex, data.labels) { labelOf[c] = y }
        clipIDs = clips.clipIDs
        clipProbabilities = clips.probabilities
        clipLabels = clips.clipIDs.map { labelOf[$0]! }
        clip = ClassificationReport(probabilities: clipProbabilities, labels: clipLabels, classCount: k)
    }

    /// 95% (or `plan.level`) intervals of every metric, over clips and over segments.
    public func intervals(_ plan: BootstrapPlan, purpose: String,
                          on context: ExecutionContext) -> (segment: LevelIntervals, clip: LevelIntervals) {
        let k = clip.confusion.classCount
        return (Bootstrap.intervals(probabilities: segmentProbabilities, labels: segmentLabels, classCount: k, plan: plan,
                                    purpose: "\(purpose)/segment", on: context),
                Bootstrap.intervals(probabilities: clipProbabilities, labels: clipLabels, classCount: k, plan: plan,
                                    purpose: "\(purpose)/clip", on: context))
    }
}

extension Model {
    /// The segments' probabilities, and their logits too where `aggregate` needs them (as Double).
    /// The softmax runs row by row, as `predict` does, so the probabilities have the same bits either way.
    public func outputs(_ samples: Samples, for aggregate: ClipAggregate,
                        on context: ExecutionContext) -> (probabilities: [Double], logits: [Double]?) {
        guard aggregate == .meanLogit else { return (predict(samples, on: context).map(Double.init), nil) }
        var z = predict(samples, logits: true, on: context)
        let logits = z.map(Double.init)
        SoftmaxCrossEntropy.softmax(&z, classes: config.classes)
        return (z.map(Double.init), logits)
    }
}
