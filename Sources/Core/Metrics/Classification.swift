import Foundation
import Numerics
/// counts[true][predicted], with the usual summaries (scikit-learn's definitions; undefined -> nil).
public struct ConfusionMatrix: Codable, Equatable, Sendable {
    public var classCount: Int
    public var counts: [[Int]]

    public init(labels: [Int], predictions: [Int], classCount: Int) {
        precondition(labels.count == predictions.count)
        self.classCount = classCount
        counts = Array(repeating: Array(repeating: 0, count: classCount), count: classCount)
        for (t, p) in zip(labels, predictions) { counts[t][p] += 1 }
    }

    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }
    public var accuracy: Double {
        total == 0 ? .nan : Double((0..<classCount).reduce(0) { $0 + counts[$1][$1] }) / Double(total)
    }
    public var precision: [Double?] {
        (0..<classCount).map { c in
            let predicted = (0..<classCount).reduce(0) { $0 + counts[$1][c] }
            return predicted == 0 ? nil : Double(counts[c][c]) / Double(predicted)
        }
    }
    public var recall: [Double?] {
        (0..<classCount).map { c in
            let actual = counts[c].reduce(0, +)
            return actual == 0 ? nil : Double(counts[c][c]) / Double(actual)
        }
    }
    /// As scikit-learn with zero_division=0: a class that is never predicted has precision 0 in F1;
    /// a class absent from the labels has no F1 at all.
    public var f1: [Double?] {
        zip(precision, recall).map { p, r in
            guard let r else { return nil }
            let p = p ?? 0
            return p + r == 0 ? 0 : 2 * p * r / (p + r)
        }
    }
}

/// The index of the largest of `count` values from `offset` on; ties go to the lowest index (numpy's
/// rule). The one argmax: metrics, validation and the training accuracy all use it.
@inline(__always)
public func argmax<T: Comparable>(_ values: [T], offset: Int, count: Int) -> Int {
    var best = 0
    for j in 1..<count where values[offset + j] > values[offset + best] { best = j }
    return best
}

/// Row-wise argmax of [n x classCount] probabilities.
public func argmaxRows<T: Comparable>(_ probabilities: [T], classCount: Int) -> [Int] {
    (0..<(probabilities.count / classCount)).map { argmax(probabilities, offset: $0 * classCount, count: classCount) }
}

/// How a clip's segment outputs become the clip's probabilities (`evaluation: {aggregate: ...}`).
public enum ClipAggregate: String, Codable, Hashable, Sendable, CaseIterable {
    /// The mean of the segments' probabilities (the study's, and the default).
    case meanProbability = "mean"
    /// The mean of the segments' logits, then softmax: a geometric mean of the probabilities.
    case meanLogit = "mean_logits"
    /// Each class's largest segment probability, the row then scaled to sum to 1.
    case max
}

public enum ClipAggregation {
    /// Clips are returned in order of first appearance in `clipIDs`.
    public static func mean(probabilities: [Double], classCount: Int, clipIDs: [Int]) -> (clipIDs: [Int], probabilities: [Double]) {
        pool(probabilities, classCount: classCount, clipIDs: clipIDs, maximum: false)
    }

    /// `kind` over the segments of each clip; `logits` (row-major like `probabilities`) only for `.meanLogit`.
    public static func aggregate(_ kind: ClipAggregate, probabilities: [Double], logits: [Double]?, classCount k: Int,
                                 clipIDs: [Int]) -> (clipIDs: [Int], probabilities: [Double]) {
        switch kind {
        case .meanProbability:
            return mean(probabilities: probabilities, classCount: k, clipIDs: clipIDs)
        case .meanLogit:
            guard let logits else { preconditionFailure("mean_logits needs the segments' logits") }
            var (ids, rows) = pool(logits, classCount: k, clipIDs: clipIDs, maximum: false)
            for r in 0..<ids.count {
                var mx = -Double.infinity
                for j in 0..<k { mx = Swift.max(mx, rows[r * k + j]) }
                var sum = 0.0
                for j in 0..<k { rows[r * k + j] = Elementary.exp(rows[r * k + j] - mx); sum += rows[r * k + j] }
                for j in 0..<k { rows[r * k + j] /= sum }
            }
            return (ids, rows)
        case .max:
            var (ids, rows) = pool(probabilities, classCount: k, clipIDs: clipIDs, maximum: true)
            for r in 0..<ids.count {
                var sum = 0.0
                for j in 0..<k { sum += rows[r * k + j] }
                if sum > 0 { for j in 0..<k { rows[r * k + j] /= sum } }
            }
            return (ids, rows)
        }
    }

    /// Per clip, in order of first appearance: each column's mean (summed in segment order) or maximum.
    private static func pool(_ values: [Double], classCount: Int, clipIDs: [Int], maximum: Bool) -> (clipIDs: [Int],
            probabilities: [Double]) {
        precondition(values.count == clipIDs.count * classCount)
        var order: [Int] = [], index: [Int: Int] = [:]
        var sums: [[Double]] = [], counts: [Int] = []
        for (row, id) in clipIDs.enumerated() {
            let slot: Int
            if let s = index[id] { slot = s } else {
                slot = order.count
                index[id] = slot
                order.append(id)
                sums.append([Double](repeating: maximum ? -.infinity : 0, count: classCount))
                counts.append(0)
            }
            for j in 0..<classCount {
                let v = values[row * classCount + j]
                if maximum { sums[slot][j] = Swift.max(sums[slot][j], v) } else { sums[slot][j] += v }
            }
            counts[slot] += 1
        }
        if maximum { return (order, sums.flatMap { $0 }) }
        return (order, zip(sums, counts).flatMap { s, n in s.map { $0 / Double(n) } })
    }
}

/// Everything reported for one level (segments or clips) of one split.
public struct ClassificationReport: Codable, Equatable, Sendable {
    public var count: Int
    public var accuracy: Double
    public var confusion: ConfusionMatrix
    public var perClassAUC: [Double?]
    public var macroAUC: Double?
    public var microAUC: Double?
    /// Each class's one-vs-rest ROC curve (nil where undefined), computed once: the per-class and
    /// macro AUCs come from these, and so does the ROC figure. Not recorded; the AUCs are.
    public var curves: [ROCCurve?] = []

    private enum CodingKeys: String, CodingKey { case count, accuracy, confusion, perClassAUC, macroAUC, microAUC }

    public init(probabilities: [Double], labels: [Int], classCount: Int) {
        count = labels.count
        confusion = ConfusionMatrix(labels: labels, predictions: argmaxRows(probabilities, classCount: classCount), classCount: classCount)
        accuracy = confusion.accuracy
        curves = ROC.perClassCurves(probabilities: probabilities, labels: labels, classCount: classCount)
        perClassAUC = curves.map { $0.map(ROC.area) }
        macroAUC = ROC.macroAUC(perClassAUC: perClassAUC)
        microAUC = ROC.microAUC(probabilities: probabilities, labels: labels, classCount: classCount)
    }
}
