import Core
import Foundation
import Plot

/// An ablation: the cells of a notebook that share `ablation: GROUP`, each a variant trained
/// `repeats:` times on the same split. The first cell of the group is the reference. For each
/// variant: test clip accuracy and macro ROC-AUC as the mean over its repeats, with the spread over
/// seeds (sd), a 95% interval over test clips, and the difference from the reference with its
/// paired interval and p-value. A difference whose interval contains 0 is within noise.
public struct AblationRecord: Codable, Equatable, Sendable {
    public struct Variant: Codable, Equatable, Sendable {
        public var cell: String
        public var title: String
        public var repeats: Int
        public var accuracy: RepeatedComparison.Result
        public var macroAUC: RepeatedComparison.Result
        /// Standard deviation over the repeats (seed noise).
        public var accuracySD: Double?
        public var macroAUCSD: Double?
    }
    public var group: String
    public var reference: String
    /// Every variant saw the same test clips (same data, classes and split): paired comparisons.
    public var paired: Bool
    public var testClips: Int
    public var bootstrap: BootstrapPlan
    public var variants: [Variant]
    /// The dot-and-whisker figure, among the report's own figures (reports/figures/<notebook>/), and its SHA-256.
    public var figure: String
    public var figureSHA256: String?

    static func figureName(_ group: String) -> String {
        "ablation_" + group.map { $0.isLetter || $0.isNumber ? $0 : "_" }.reduce("") { $0 + String($1) } + ".png"
    }

    /// `cells`: the group's cells in notebook order, each with its runs' metrics.
    static func build(group: String, cells: [(Experiment, [ResultsFile.Entry])], plan: BootstrapPlan,
                      on context: ExecutionContext) -> AblationRecord {
        func predictions(_ m: ResultsFile.Entry) -> [ClipPrediction] { (m.testClips ?? []).sorted { $0.path < $1.path } }
        let reference = cells[0].1.map(predictions)
        let paths = reference.first?.map(\.path) ?? []
        let classes = cells[0].1.first?.classes ?? []
        // Paired only when every run of every variant saw the same clips with the same classes. The
        // validator refuses groups that differ in data, classes, split or resplit, so this holds for
        // any notebook it accepted; the check stays so a hand-made record cannot index past a row.
        let first = cells[0].1.first?.testClips ?? []
        let paired = !paths.isEmpty && cells.allSatisfy { $0.1.allSatisfy {
            $0.classes == classes && PairedClipComparison.align(first, $0.testClips ?? [], classCount: classes.count) != nil
        } }
        let k = classes.count
        let labels = reference.first?.map(\.label) ?? []
        func probabilities(_ runs: [ResultsFile.Entry]) -> [[Double]] { runs.map { predictions($0).flatMap(\.probabilities) } }
        let accuracy: ([Double], [Int]) -> Double? = { p, y in
            Double(zip(argmaxRows(p, classCount: k), y).filter { $0 == $1 }.count) / Double(max(1, y.count))
        }
        let auc: ([Double], [Int]) -> Double? = { p, y in ROC.macroAUC(perClassAUC: ROC.perClassAUC(probabilities: p, labels: y,
                classCount: k)) }
        let variants = cells.map { e, runs -> Variant in
            let sdAcc = Spread.sd(runs.map { $0.test.clip.accuracy }), sdAUC = Spread.sd(runs.map { $0.test.clip.macroAUC })
            guard paired else {
                // Different test clips: each variant's own interval only (when its repeats share their
                // clips, as RepeatedComparison needs); compare by overlap.
                let own = { (name: String) -> RepeatedComparison.Result in
                    let first = runs.first.map(predictions) ?? []
                    guard !first.isEmpty, runs.allSatisfy({ predictions($0).map(\.path) == first.map(\.path)
                            && $0.classes == runs[0].classes }) else {
                        return RepeatedComparison.Result(mean: Spread.mean(runs.map { name == "accuracy" ? $0.test.clip.accuracy
                                : $0.test.clip.macroAUC }))
                    }
                    let kv = runs[0].classes.count
                    let stat: ([Double], [Int]) -> Double? = name == "accuracy"
                        ? { p, y in Double(zip(argmaxRows(p, classCount: kv), y).filter { $0 == $1 }.count) / Double(max(1, y.count)) }
                        : { p, y in ROC.macroAUC(perClassAUC: ROC.perClassAUC(probabilities: p, labels: y, classCount: kv)) }
                    return RepeatedComparison.compare(variant: probabilities(runs), reference: probabilities(runs),
                                                      labels: first.map(\.label),
                                                      classCount: kv, plan: plan, purpose: "\(group)/\(e.name)/\(name)", on: context,
                                                      statistic: stat)
                }
                var a = own("accuracy"), b = own("auc")
                a.difference = nil; a.differenceInterval = nil; a.p = nil
                b.difference = nil; b.differenceInterval = nil; b.p = nil
                return Variant(cell: e.name, title: e.title, repeats: runs.count, accuracy: a, macroAUC: b, accuracySD: sdAcc,
                               macroAUCSD: sdAUC)
            }
            let p = probabilities(runs), ref = probabilities(cells[0].1)
            return Variant(cell: e.name, title: e.title, repeats: runs.count,
                           accuracy: RepeatedComparison.compare(variant: p, reference: ref, labels: labels, classCount: k, plan: plan,
                                                                purpose: "\(group)/\(e.name)/accuracy", on: context, statistic: accuracy),
                           macroAUC: RepeatedComparison.compare(variant: p, reference: ref, labels: labels, classCount: k, plan: plan,
                                                                purpose: "\(group)/\(e.name)/auc", on: context, statistic: auc),
                           accuracySD: sdAcc, macroAUCSD: sdAUC)
        }
        return AblationRecord(group: group, reference: cells[0].0.name, paired: paired, testClips: paths.count, bootstrap: plan,
                              variants: variants, figure: figureName(group), figureSHA256: nil)
    }

    enum Verdict { case noise, seeds, outside }

    /// Outside noise: the paired interval excludes 0, and |Δ| exceeds the seed spread.
    static func verdict(_ interval: Interval, difference: Double, spread: Double) -> Verdict {
        guard Noise.outside(change: interval) else { return .noise }
        return abs(difference) > spread ? .outside : .seeds
    }

    /// The larger of a variant's and the reference's sd over seeds.
    private func spread(_ v: Variant, _ sd: KeyPath<Variant, Double?>) -> Double {
        max(v[keyPath: sd] ?? 0, variants.first?[keyPath: sd] ?? 0)
    }

    func draw(to path: String) throws {
        func panel(_ title: String, _ metric: (Variant) -> RepeatedComparison.Result) -> (title: String, means: [Double?],
                                                                                          intervals: [(Double, Double)?]) {
            (title, variants.map { metric($0).mean }, variants.map { v in metric(v).interval.map { ($0.low, $0.high) } })
        }
        try Charts.dotWhisker(variants: variants.map(\.title),
                              panels: [panel("test clip accuracy", \.accuracy), panel("test macro ROC-AUC (clips)", \.macroAUC)],
                              title: "Ablation \(group): mean over repeats, 95% bootstrap interval over \(testClips) test clips")
            .writePNG(to: path)
    }

    /// The report's section: the table, the verdicts, the figure.
    func markdown(figurePath: String) -> String {
        func cell(_ r: RepeatedComparison.Result, sd: Double?) -> String {
            guard let mean = r.mean else { return "undefined" }
            var s = String(format: "%.3f", mean) + (sd.map { String(format: " ± %.3f", $0) } ?? "")
            if let i = r.interval { s += String(format: " [%.3f, %.3f]", i.low, i.high) }
            return s
        }
        func diff(_ r: RepeatedComparison.Result, spread: Double) -> String {
            guard let d = r.difference, let i = r.differenceInterval, let p = r.p else { return "n/a" }
            let pText = p < 1 / Double(bootstrap.resamples) ? String(format: "p < %.3g",
                                                                     1 / Double(bootstrap.resamples)) : String(format: "p = %.3f", p)
            let verdict = Self.verdict(i, difference: d, spread: spread)
            return String(format: "%+.3f [%+.3f, %+.3f], ", d, i.low, i.high) + pText
                + (verdict == .outside ? " **outside noise**" : verdict == .seeds ? " (within seed spread)" : " (noise)")
        }
        var s = "**Ablation `\(group)`**: \(variants.count) variants against `\(reference)`, each trained "
        s += Set(variants.map(\.repeats)).sorted().map(String.init).joined(separator: "/") + " times with derived seeds"
        s += paired ? " on the same split, so every comparison is paired over the same \(testClips) test clips. "
                    : "; the variants do not share their test clips, so they are compared by their intervals only. "
        s += "Each value is the mean over repeats ± the sd over seeds, then a 95% stratified bootstrap interval over test clips "
        s += "(\(bootstrap.resamples) resamples, seed \(bootstrap.seed)); Δ is the difference from `\(reference)` "
        s += "with its paired interval "
        s += "and two-sided p-value. The interval covers the noise of the test clips; the sd covers the seeds. A Δ is outside noise "
        s += "only if its interval excludes 0 and it is larger than the seed spread (the larger sd of the two cells); "
        s += "with only a few seeds, read even those as leads to confirm on more data.\n\n"
        s += "| variant | test clip accuracy | Δ accuracy | test macro ROC-AUC | Δ ROC-AUC |\n|---|---:|---:|---:|---:|\n"
        for v in variants {
            s += "| \(v.title) (`\(v.cell)`) | \(cell(v.accuracy, sd: v.accuracySD)) | "
            s += "\(v.cell == reference ? "reference" : diff(v.accuracy, spread: spread(v, \.accuracySD))) | "
            s += "\(cell(v.macroAUC, sd: v.macroAUCSD)) | "
            s += "\(v.cell == reference ? "reference" : diff(v.macroAUC, spread: spread(v, \.macroAUCSD))) |\n"
        }
        let outside = variants.dropFirst().flatMap { v in
            [("accuracy", v.accuracy, spread(v, \.accuracySD)), ("macro ROC-AUC", v.macroAUC, spread(v, \.macroAUCSD))].compactMap { name,
                    r, sd -> String? in
                guard let i = r.differenceInterval, let d = r.difference, Self.verdict(i, difference: d,
                                                                                       spread: sd) == .outside else { return nil }
                return "\(v.title) (\(name), \(d > 0 ? "better" : "worse"))"
            }
        }
        s += "\n" + (paired ? (outside.isEmpty ? "No difference from `\(reference)` is outside noise.\n"
                                               : "Outside noise: " + outside.joined(separator: "; ")
                                                       + ". Everything else is within noise.\n")
                            : "")
        s += "\n![Ablation \(group)](\(figurePath))\n"
        return s
    }
}
