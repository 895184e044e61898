/// One model on one split, predicted once: the segment- and clip-level reports (with their ROC
/// curves) and the clip probabilities that metrics, figures and predictions.csv all read.
public struct Evaluation: Sendable {
    public var segment: ClassificationReport
    public var clip: ClassificationReport
    /// The clips, as indices into the split's clip list, in order of their first segment.
    public var clipIDs: [Int]
    /// Row-major [clips x classes]: the mean of each clip's segment probabilities.
    public var clipProbabilities: [Double]
    public var clipLabels: [Int]

    /// `clipIndex[i]` is the clip of segment i.
    public init(model: Model, data: Dataset, clipIndex: [Int]) {
        let k = model.config.classes
        let p = model.predict(data.x, count: data.count).map(Double.init)
        segment = ClassificationReport(probabilities: p, labels: data.labels, classCount: k)
        let clips = ClipAggregation.mean(probabilities: p, classCount: k, clipIDs: clipIndex)
        var labelOf: [Int: Int] = [:]
        for (c, y) in zip(clipIndex, data.labels) { labelOf[c] = y }
        clipIDs = clips.clipIDs
        clipProbabilities = clips.probabilities
        clipLabels = clips.clipIDs.map { labelOf[$0]! }
        clip = ClassificationReport(probabilities: clipProbabilities, labels: clipLabels, classCount: k)
    }
}
