import Foundation

/// When a change is more than noise: the one rule the report, `lab compare` and the ablation share.
public enum Noise {
    /// The level of every test (two-sided).
    public static let level = 0.05
    /// A paired test's p-value below the level.
    public static func outside(p: Double) -> Bool { p < level }
    /// A change whose 95% interval excludes 0.
    public static func outside(change i: Interval) -> Bool { i.low > 0 || i.high < 0 }
    /// Two 95% intervals that do not overlap: the comparison when the test clips differ.
    public static func outside(_ a: Interval, _ b: Interval) -> Bool { !a.overlaps(b) }
}

/// One test clip as a model saw it: path, content hash, true class index, class probabilities.
/// What comparisons pair two runs on (results.json's `testClips`).
public struct ClipPrediction: Codable, Equatable, Sendable {
    public var path: String
    public var sha256: String
    public var label: Int
    public var probabilities: [Double]
    /// A tagging run's clip: every tag it carries (indices into the run's tags; `label` is the
    /// first), and `probabilities` one per tag. nil for one class per clip.
    public var tags: [Int]? = nil
    public init(path: String, sha256: String, label: Int, probabilities: [Double], tags: [Int]? = nil) {
        self.path = path
        self.sha256 = sha256
        self.label = label
        self.probabilities = probabilities
        self.tags = tags
    }
}

/// Two tagging runs' test clips in one order, when they are the same clips (paths, contents and
/// every tag): the scores of each side and the shared multi-hot tags, row-major [clips x tags].
public struct AlignedTagging: Sendable {
    public var tags: [Bool]
    public var a: [Double], b: [Double]
    public var tagCount: Int

    public init?(_ a: [ClipPrediction], _ b: [ClipPrediction], tagCount k: Int) {
        let x = a.sorted { $0.path < $1.path }, y = b.sorted { $0.path < $1.path }
        guard !x.isEmpty, k >= 1, x.count == y.count,
              zip(x, y).allSatisfy({ $0.path == $1.path && $0.sha256 == $1.sha256 && $0.tags != nil && $0.tags == $1.tags }),
              (x + y).allSatisfy({ $0.probabilities.count == k && ($0.tags ?? []).allSatisfy((0..<k).contains) }) else { return nil }
        tags = x.flatMap { clip in (0..<k).map { (clip.tags ?? []).contains($0) } }
        (self.a, self.b, tagCount) = (x.flatMap(\.probabilities), y.flatMap(\.probabilities), k)
    }

    /// The paired bootstrap of the change B - A of a macro figure over these clips.
    public func difference(_ metric: TaggingBootstrap.Metric, plan: BootstrapPlan,
                           on context: ExecutionContext) -> (interval: Interval, p: Double)? {
        TaggingBootstrap.difference(metric, a: a, b: b, tags: tags, tagCount: tagCount, plan: plan, purpose: "test.clip", on: context)
    }
}

/// The one place that decides whether two runs were tested on the same clips, and if so how their
/// test figures differ: McNemar's exact test for accuracy, a paired bootstrap for ROC-AUC. The
/// report, `lab compare` and the ablation all call it, so they print the same p-values and intervals
/// for the same pair of runs.
public struct PairedClipComparison: Codable, Equatable, Sendable {
    /// The shared test clips, sorted by path.
    public var clips: Int
    /// Clips only A (the old side) classified right, and only B.
    public var onlyA: Int, onlyB: Int
    /// McNemar's exact two-sided p-value for the accuracy change.
    public var accuracyP: Double
    /// Macro ROC-AUC of B minus A, its paired-bootstrap interval and p-value (nil where undefined).
    public var macroAUCChange: Double?
    public var macroAUCInterval: Interval?
    public var macroAUCP: Double?

    public var accuracyOutsideNoise: Bool { Noise.outside(p: accuracyP) }
    public var macroAUCOutsideNoise: Bool { macroAUCInterval.map { Noise.outside(change: $0) } ?? false }

    /// Both sides' probabilities in one clip order, with the labels: nil unless A and B hold the same
    /// clips (paths and contents), with the same true labels and the same number of classes.
    public struct Aligned: Sendable {
        public var labels: [Int]
        public var a: [Double], b: [Double]
        public var classCount: Int
    }

    /// "The same test clips": the one definition the report, `lab compare` and the ablation use.
    public static func align(_ a: [ClipPrediction], _ b: [ClipPrediction], classCount k: Int) -> Aligned? {
        let x = a.sorted { $0.path < $1.path }, y = b.sorted { $0.path < $1.path }
        guard !x.isEmpty, k >= 2, x.count == y.count,
              zip(x, y).allSatisfy({ $0.path == $1.path && $0.sha256 == $1.sha256 && $0.label == $1.label && $0.tags == nil
                                         && $1.tags == nil }),
              (x + y).allSatisfy({ $0.probabilities.count == k && (0..<k).contains($0.label) }) else { return nil }
        return Aligned(labels: x.map(\.label), a: x.flatMap(\.probabilities), b: y.flatMap(\.probabilities), classCount: k)
    }

    /// The paired tests, or nil when the two sides did not see the same clips. `plan` is B's
    /// bootstrap plan; the resampling stream is fixed, so the same pair gives the same interval anywhere.
    public static func compare(_ a: [ClipPrediction], _ b: [ClipPrediction], classCount k: Int,
                               plan: BootstrapPlan, on context: ExecutionContext) -> PairedClipComparison? {
        guard let p = align(a, b, classCount: k) else { return nil }
        let m = mcnemar(p)
        let auc = aucDifference(p, plan: plan, micro: false, on: context)
        let change = ROC.macroAUC(probabilities: p.b, labels: p.labels, classCount: k)
            .flatMap { b in ROC.macroAUC(probabilities: p.a, labels: p.labels, classCount: k).map { b - $0 } }
        return PairedClipComparison(clips: p.labels.count, onlyA: m.onlyA, onlyB: m.onlyB, accuracyP: m.p,
                                    macroAUCChange: change, macroAUCInterval: auc?.interval, macroAUCP: auc?.p)
    }

    /// McNemar's exact test on which aligned clips each side classifies right.
    public static func mcnemar(_ p: Aligned) -> (onlyA: Int, onlyB: Int, p: Double) {
        func correct(_ q: [Double]) -> [Bool] { zip(argmaxRows(q, classCount: p.classCount), p.labels).map { $0 == $1 } }
        return PairedTest.mcnemar(aCorrect: correct(p.a), bCorrect: correct(p.b))
    }

    /// Paired bootstrap of the macro (or micro) ROC-AUC change B - A over the aligned clips.
    public static func aucDifference(_ p: Aligned, plan: BootstrapPlan, micro: Bool,
                                     on context: ExecutionContext) -> (interval: Interval, p: Double)? {
        let k = p.classCount
        return PairedTest.bootstrapDifference(a: p.a, b: p.b, labels: p.labels, classCount: k, plan: plan,
                                              purpose: micro ? "test.clip.micro_auc" : "test.clip.macro_auc", on: context) { q, y in
            micro ? ROC.microAUC(probabilities: q, labels: y, classCount: k) : ROC.macroAUC(probabilities: q, labels: y, classCount: k)
        }
    }
}

/// Mean and spread over repeats (seeds): what a repeated cell, an ablation and a comparison report.
public enum Spread {
    /// Mean of the defined values, nil for none.
    public static func mean(_ values: [Double?]) -> Double? {
        let v = values.compactMap { $0 }
        return v.isEmpty ? nil : v.reduce(0, +) / Double(v.count)
    }

    /// Sample standard deviation of the defined values (0 for one value, nil for none).
    public static func sd(_ values: [Double?]) -> Double? {
        let v = values.compactMap { $0 }
        guard let mean = mean(v) else { return nil }
        return v.count > 1 ? (v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count - 1)).squareRoot() : 0
    }
}
