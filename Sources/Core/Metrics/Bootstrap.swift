import Foundation
import Numerics

/// A two-sided confidence interval.
public struct Interval: Codable, Equatable, Sendable {
    public var low: Double
    public var high: Double
    public init(low: Double, high: Double) {
        self.low = low
        self.high = high
    }
    public func overlaps(_ other: Interval) -> Bool { low <= other.high && other.low <= high }
}

/// How intervals were drawn: recorded beside them so they can be redrawn bit for bit.
public struct BootstrapPlan: Codable, Equatable, Sendable {
    public var seed: UInt64 = 1
    public var resamples: Int = 1000
    public var level: Double = 0.95
    public var method = "stratified percentile bootstrap: each resample draws, within each true class, as many items as the class has, "
            + "with replacement"
    public init(seed: UInt64 = 1, resamples: Int = 1000) {
        self.seed = seed
        self.resamples = resamples
    }
}

/// The intervals of one level (clips or segments) of one split, metric by metric.
public struct LevelIntervals: Codable, Equatable, Sendable {
    public var accuracy: Interval
    public var macroAUC: Interval?
    public var microAUC: Interval?
    public var perClassAUC: [Interval?]
}

/// Seeded, stratified percentile bootstrap. Resample r draws from its own generator, derived from
/// (seed, purpose, r), so the intervals are the same bits on any thread count; percentiles use
/// numpy's default (linear) interpolation.
public enum Bootstrap {
    /// Row indices of each resample: within each class, `count(class)` draws with replacement.
    public static func resample(labels: [Int], classCount: Int, rng: inout SeededRNG) -> [Int] {
        var byClass = [[Int]](repeating: [], count: classCount)
        for (i, y) in labels.enumerated() { byClass[y].append(i) }
        var out: [Int] = []
        out.reserveCapacity(labels.count)
        for members in byClass where !members.isEmpty {
            for _ in members.indices { out.append(members[rng.int(below: members.count)]) }
        }
        return out
    }

    /// `body(rows)` for each of `plan.resamples` stratified resamples, in parallel; resample r draws
    /// from a generator derived from (seed, `stream`, r), so the draws are the same on any thread count.
    static func eachResample<T>(_ plan: BootstrapPlan, stream: String, labels: [Int], classCount k: Int, empty: T,
                                on context: ExecutionContext, _ body: @escaping ([Int]) -> T) -> [T] {
        var out = [T](repeating: empty, count: plan.resamples)
        let root = SeededRNG(seed: plan.seed).derived(stream)
        out.withUnsafeMutableBufferPointer { buffer in
            let slots = buffer
            context.forEach(plan.resamples) { r in
                var rng = root.derived("\(r)")
                slots[r] = body(resample(labels: labels, classCount: k, rng: &rng))
            }
        }
        return out
    }

    public static func intervals(probabilities: [Double], labels: [Int], classCount: Int, plan: BootstrapPlan,
                                 purpose: String, on context: ExecutionContext) -> LevelIntervals {
        let k = classCount
        struct Draw { var accuracy = 0.0; var macro: Double?; var micro: Double?; var perClass: [Double?] = [] }
        let draws = eachResample(plan, stream: "bootstrap/\(purpose)", labels: labels, classCount: k, empty: Draw(),
                                 on: context) { rows in
            var p = [Double](), y = [Int]()
            p.reserveCapacity(rows.count * k)
            for i in rows { p += probabilities[(i * k)..<((i + 1) * k)]; y.append(labels[i]) }
            let perClass = ROC.perClassAUC(probabilities: p, labels: y, classCount: k)
            let correct = zip(argmaxRows(p, classCount: k), y).filter { $0 == $1 }.count
            return Draw(accuracy: Double(correct) / Double(y.count), macro: ROC.macroAUC(perClassAUC: perClass),
                        micro: ROC.microAUC(probabilities: p, labels: y, classCount: k), perClass: perClass)
        }
        func interval(_ values: [Double?]) -> Interval? { percentileInterval(values, level: plan.level) }
        return LevelIntervals(accuracy: interval(draws.map(\.accuracy))!, macroAUC: interval(draws.map(\.macro)),
                              microAUC: interval(draws.map(\.micro)),
                              perClassAUC: (0..<k).map { c in interval(draws.map { $0.perClass[c] }) })
    }

    /// The one interval reduction every bootstrap here uses: the percentile interval at `level` of
    /// the resamples' values, or nil when the statistic is undefined in most resamples.
    public static func percentileInterval(_ values: [Double?], level: Double) -> Interval? {
        let v = values.compactMap { $0 }.sorted()
        guard !v.isEmpty, v.count * 2 >= values.count else { return nil }
        let tail = (1 - level) / 2
        return Interval(low: percentile(v, tail), high: percentile(v, 1 - tail))
    }

    /// A paired bootstrap's outcome from its resampled differences: their percentile interval and the
    /// two-sided p-value, twice the smaller share of differences on either side of 0.
    static func pairedOutcome(_ diffs: [Double?], level: Double) -> (interval: Interval, p: Double)? {
        guard let interval = percentileInterval(diffs, level: level) else { return nil }
        let v = diffs.compactMap { $0 }
        let below = Double(v.filter { $0 <= 0 }.count) / Double(v.count), above = Double(v.filter { $0 >= 0 }.count) / Double(v.count)
        return (interval, min(1, 2 * min(below, above)))
    }

    /// numpy.percentile(v, 100 q) with linear interpolation; `sorted` ascending, not empty.
    public static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let lo = Int(position.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - Double(lo))
    }
}

/// Is the difference between two models on the same test items outside noise?
public enum PairedTest {
    /// McNemar's exact test on paired correctness: b items only A got right, c only B. Two-sided
    /// p-value of the binomial(b + c, 1/2) (statsmodels' `mcnemar(exact=True)`).
    public static func mcnemar(aCorrect: [Bool], bCorrect: [Bool]) -> (onlyA: Int, onlyB: Int, p: Double) {
        let b = zip(aCorrect, bCorrect).filter { $0 && !$1 }.count, c = zip(aCorrect, bCorrect).filter { !$0 && $1 }.count
        let n = b + c
        guard n > 0 else { return (b, c, 1) }
        // P(X <= min(b, c)) for X ~ Binomial(n, 1/2), each term in logs (n may be large): log C(n, i)
        // grows term by term, log C(n, i + 1) = log C(n, i) + log(n - i) - log(i + 1).
        var tail = 0.0, logChoose = 0.0
        let logHalfToTheN = -Double(n) * Elementary.log(2.0)
        for i in 0...min(b, c) {
            tail += Elementary.exp(logChoose + logHalfToTheN)
            logChoose += Elementary.log(Double(n - i)) - Elementary.log(Double(i + 1))
        }
        return (b, c, min(1, 2 * tail))
    }

    /// Paired bootstrap of `statistic(B) - statistic(A)` over the same items: each resample draws the
    /// same rows (stratified by class) for both. Returns the interval of the difference and the
    /// two-sided bootstrap p-value (twice the smaller share of differences on either side of 0).
    public static func bootstrapDifference(a: [Double], b: [Double], labels: [Int], classCount: Int, plan: BootstrapPlan,
                                           purpose: String, on context: ExecutionContext,
                                           statistic: @escaping (_ probabilities: [Double], _ labels: [Int]) -> Double?)
        -> (interval: Interval, p: Double)? {
        let k = classCount
        let diffs: [Double?] = Bootstrap.eachResample(plan, stream: "paired/\(purpose)", labels: labels, classCount: k,
                                                      empty: nil, on: context) { rows in
            var pa = [Double](), pb = [Double](), y = [Int]()
            for i in rows { pa += a[(i * k)..<((i + 1) * k)]; pb += b[(i * k)..<((i + 1) * k)]; y.append(labels[i]) }
            guard let sa = statistic(pa, y), let sb = statistic(pb, y) else { return nil }
            return sb - sa
        }
        return Bootstrap.pairedOutcome(diffs, level: plan.level)
    }
}

/// Variants of an experiment each trained several times (seeds) on the same split, compared on the
/// same test clips: a metric is the mean over a variant's repeats, and its uncertainty comes from a
/// stratified bootstrap over the test clips, each resample drawing the same clips for every repeat
/// of every variant (so the comparison with the reference is paired).
public enum RepeatedComparison {
    /// `repeats[r]` holds one repeat's probabilities [clips x classes], in the same clip order for all.
    public static func meanStatistic(_ repeats: [[Double]], rows: [Int], labels: [Int], classCount k: Int,
                                     statistic: ([Double], [Int]) -> Double?) -> Double? {
        var sum = 0.0
        for p in repeats {
            var q = [Double](), y = [Int]()
            q.reserveCapacity(rows.count * k)
            for i in rows { q += p[(i * k)..<((i + 1) * k)]; y.append(labels[i]) }
            guard let v = statistic(q, y) else { return nil }
            sum += v
        }
        return sum / Double(repeats.count)
    }

    /// The variant's repeat-mean statistic with its interval, and, against `reference`, the
    /// difference's interval and two-sided bootstrap p-value.
    public struct Result: Codable, Equatable, Sendable {
        public var mean: Double?
        public var interval: Interval?
        public var difference: Double?
        public var differenceInterval: Interval?
        public var p: Double?
        public init(mean: Double? = nil, interval: Interval? = nil, difference: Double? = nil, differenceInterval: Interval? = nil,
                    p: Double? = nil) {
            (self.mean, self.interval, self.difference, self.differenceInterval, self.p) = (mean, interval, difference, differenceInterval,
                    p)
        }
    }

    public static func compare(variant: [[Double]], reference: [[Double]], labels: [Int], classCount k: Int, plan: BootstrapPlan,
                               purpose: String, on context: ExecutionContext,
                               statistic: @escaping ([Double], [Int]) -> Double?) -> Result {
        let all = Array(labels.indices)
        let mean = meanStatistic(variant, rows: all, labels: labels, classCount: k, statistic: statistic)
        let referenceMean = meanStatistic(reference, rows: all, labels: labels, classCount: k, statistic: statistic)
        let draws: [(Double?, Double?)] = Bootstrap.eachResample(plan, stream: "repeated/\(purpose)", labels: labels, classCount: k,
                                                                  empty: (nil, nil), on: context) { rows in
            let v = meanStatistic(variant, rows: rows, labels: labels, classCount: k, statistic: statistic)
            let a = meanStatistic(reference, rows: rows, labels: labels, classCount: k, statistic: statistic)
            return (v, v.flatMap { v in a.map { v - $0 } })
        }
        func interval(_ values: [Double?]) -> Interval? { Bootstrap.percentileInterval(values, level: plan.level) }
        let diffs = draws.compactMap(\.1)
        let p: Double? = diffs.isEmpty ? nil : min(1, 2 * min(Double(diffs.filter { $0 <= 0 }.count),
                                                              Double(diffs.filter { $0 >= 0 }.count))
                                                     / Double(diffs.count))
        return Result(mean: mean, interval: interval(draws.map(\.0)), difference: mean.flatMap { m in referenceMean.map { m - $0 } },
                      differenceInterval: interval(draws.map(\.1)), p: p)
    }
}
