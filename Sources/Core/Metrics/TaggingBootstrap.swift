/// The tagging report's uncertainty: percentile bootstrap intervals of the macro ROC-AUC and macro
/// PR-AUC over clips, and the paired test of a change between two runs on the same clips.
///
/// Clips with several tags have no one class to stratify by. Each clip goes in the stratum of its
/// rarest tag (ties by tag order; a clip without tags in a stratum of its own), and every resample
/// draws each stratum's size from it. So every tag that is some clip's rarest keeps at least one
/// positive in every resample, and the rare tags, the ones whose AUC moves most, are not dropped at
/// random. Resample r draws from a generator derived from (seed, purpose, r): the same bits on any
/// thread count. A tag undefined in a resample is left out of that resample's macro mean, as in
/// the point estimate.
public struct TaggingIntervals: Codable, Equatable, Sendable {
    public var macroROCAUC: Interval?
    public var macroAveragePrecision: Interval?
}

public enum TaggingBootstrap {
    public enum Metric: String, Sendable { case rocAUC = "macro_roc_auc", averagePrecision = "macro_pr_auc" }

    /// Each clip's stratum: the index of its rarest tag over these clips, or `tagCount` for a clip
    /// without tags. `tags` is row-major [clips x tagCount].
    public static func strata(tags: [Bool], tagCount k: Int) -> [Int] {
        let clips = tags.count / k
        var frequency = [Int](repeating: 0, count: k)
        for i in 0..<clips { for t in 0..<k where tags[i * k + t] { frequency[t] += 1 } }
        return (0..<clips).map { i in
            (0..<k).filter { tags[i * k + $0] }.min { (frequency[$0], $0) < (frequency[$1], $1) } ?? k
        }
    }

    /// The macro figure of the clips `rows` (nil when no tag is defined among them).
    static func macro(_ metric: Metric, scores: [Double], tags: [Bool], tagCount k: Int, rows: [Int]) -> Double? {
        var s: [Double] = [], y: [Bool] = []
        s.reserveCapacity(rows.count * k)
        y.reserveCapacity(rows.count * k)
        for i in rows { s += scores[(i * k)..<((i + 1) * k)]; y += tags[(i * k)..<((i + 1) * k)] }
        var values: [Double?] = []
        for t in 0..<k {
            let column = (0..<rows.count).map { s[$0 * k + t] }, positive = (0..<rows.count).map { y[$0 * k + t] }
            values.append(metric == .rocAUC ? ROC.auc(scores: column, positive: positive)
                          : PrecisionRecall.averagePrecision(scores: column, positive: positive))
        }
        return TaggingReport.mean(values)
    }

    /// 95% (or `plan.level`) intervals of both macro figures over the clips.
    public static func intervals(scores: [Double], tags: [Bool], tagCount k: Int, plan: BootstrapPlan, purpose: String,
                                 on context: ExecutionContext) -> TaggingIntervals {
        let strata = strata(tags: tags, tagCount: k)
        let draws: [(Double?, Double?)] = Bootstrap.eachResample(plan, stream: "tagging/\(purpose)", labels: strata, classCount: k + 1,
                                                                  empty: (nil, nil), on: context) { rows in
            (macro(.rocAUC, scores: scores, tags: tags, tagCount: k, rows: rows),
             macro(.averagePrecision, scores: scores, tags: tags, tagCount: k, rows: rows))
        }
        return TaggingIntervals(macroROCAUC: Bootstrap.percentileInterval(draws.map(\.0), level: plan.level),
                                macroAveragePrecision: Bootstrap.percentileInterval(draws.map(\.1), level: plan.level))
    }

    /// Paired bootstrap of the change B - A of a macro figure over the same clips (the same rows of
    /// both in every resample): its interval and the two-sided bootstrap p-value.
    public static func difference(_ metric: Metric, a: [Double], b: [Double], tags: [Bool], tagCount k: Int, plan: BootstrapPlan,
                                  purpose: String, on context: ExecutionContext) -> (interval: Interval, p: Double)? {
        precondition(a.count == b.count && a.count == tags.count, "paired scores must cover the same clips and tags")
        let strata = strata(tags: tags, tagCount: k)
        let diffs: [Double?] = Bootstrap.eachResample(plan, stream: "tagging-paired/\(purpose)/\(metric.rawValue)", labels: strata,
                                                      classCount: k + 1, empty: nil, on: context) { rows in
            guard let x = macro(metric, scores: a, tags: tags, tagCount: k, rows: rows),
                  let y = macro(metric, scores: b, tags: tags, tagCount: k, rows: rows) else { return nil }
            return y - x
        }
        return Bootstrap.pairedOutcome(diffs, level: plan.level)
    }
}
