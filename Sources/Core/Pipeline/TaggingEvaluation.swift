/// A tagging model on one split, predicted once: each segment's sigmoid outputs, each clip's the
/// mean of its segments' (as Won et al. score a clip), and the per-tag report at both levels.
public struct TaggingEvaluation: Sendable {
    public var tagCount: Int
    public var segment: TaggingReport
    public var clip: TaggingReport
    /// The clips, as indices into the split's clip list, in order of their first segment.
    public var clipIDs: [Int]
    /// Row-major [clips x tags]: each clip's mean segment probability per tag, and its tags.
    public var clipProbabilities: [Double]
    public var clipTags: [Bool]
    /// Row-major [segments x tags].
    public var segmentProbabilities: [Double]
    /// The share of (item, tag) decisions right at a 0.5 threshold, per segment and per clip.
    public var segmentAccuracy: Double
    public var clipAccuracy: Double

    /// `clipIndex[i]` is the clip of segment i; `data` must be a tagging dataset.
    public init(model: Model, data: Dataset, clipIndex: [Int], on context: ExecutionContext) {
        let k = model.config.classes
        guard let tags = data.tags else { preconditionFailure("TaggingEvaluation needs a tagging dataset") }
        var z = model.predict(data.samples, logits: true, on: context)
        SigmoidBinaryCrossEntropy.sigmoid(&z)
        let p = z.map(Double.init)
        tagCount = k
        segmentProbabilities = p
        segment = TaggingReport(scores: p, tags: tags, tagCount: k)
        let clips = ClipAggregation.aggregate(.meanProbability, probabilities: p, logits: nil, classCount: k, clipIDs: clipIndex)
        clipIDs = clips.clipIDs
        clipProbabilities = clips.probabilities
        // A clip's tags are its segments' (each segment carries its clip's row); the first segment's.
        var firstSegment: [Int: Int] = [:]
        for (s, c) in clipIndex.enumerated() where firstSegment[c] == nil { firstSegment[c] = s }
        clipTags = clips.clipIDs.flatMap { c in tags[(firstSegment[c]! * k)..<((firstSegment[c]! + 1) * k)] }
        clip = TaggingReport(scores: clipProbabilities, tags: clipTags, tagCount: k)
        segmentAccuracy = Self.accuracy(p, tags)
        clipAccuracy = Self.accuracy(clipProbabilities, clipTags)
    }

    /// The share of decisions (a score at or above 0.5 says "tagged") that match the tags, summed in order.
    static func accuracy(_ scores: [Double], _ tags: [Bool]) -> Double {
        guard !scores.isEmpty else { return 0 }
        var right = 0
        for (p, t) in zip(scores, tags) where (p >= 0.5) == t { right += 1 }
        return Double(right) / Double(scores.count)
    }

    /// 95% (or `plan.level`) intervals of the macro ROC-AUC and PR-AUC over clips.
    public func intervals(_ plan: BootstrapPlan, purpose: String, on context: ExecutionContext) -> TaggingIntervals {
        TaggingBootstrap.intervals(scores: clipProbabilities, tags: clipTags, tagCount: tagCount, plan: plan, purpose: "\(purpose)/clip",
                                   on: context)
    }
}
