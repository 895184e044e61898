import Core
import Foundation

/// Where a results.json comes from: a run under target/, a git revision, or `workspace` (the file
/// on disk). `results` is the report's path relative to the workspace root (reports/NAME.json).
enum ResultsSource {
    static func load(_ spec: String, results: String, workspace: Workspace) throws -> ResultsFile {
        if spec == "workspace" {
            let path = workspace.absolute(results)
            guard let d = FileManager.default.contents(atPath: path) else { throw LabError("\(results): not in the working tree") }
            return try ResultsFile.load(d, source: results)
        }
        let runDir = workspace.run(spec)
        if FileManager.default.fileExists(atPath: runDir.file("manifest.json")) {
            let manifest = try runDir.readManifest()
            guard let m = try runDir.readMetrics() else { throw LabError("run "
                    + "\(spec) has no metrics (status \(manifest.status.rawValue))") }
            return ResultsFile(notebook: "", engine: manifest.engine, experiments: [ResultsFile.entry(manifest, m)])
        }
        // `REV:./path` is relative to the directory git runs in: the workspace root, wherever the repository's top is.
        let r = Git.run(["show", "\(spec):./\(results)"], in: workspace.root)
        guard r.status == 0 else {
            throw LabError("\(spec): neither a run under target/ nor a git revision with \(results)",
                           hint: "lab runs; git log -- \(results); --notebook names another report")
        }
        return try ResultsFile.load(Data(r.output.utf8), source: "\(spec):\(results)")
    }
}

/// Whether a change is outside noise, and by which test.
struct Significance: Encodable, Equatable {
    /// "McNemar (exact)", "paired bootstrap" or "interval overlap".
    var method: String
    var pValue: Double?

    /// "p = 0.034", or "p < 0.001" for a bootstrap that no resample crossed.
    var pText: String? {
        guard let p = pValue else { return nil }
        if let floor = pFloor, p < floor { return String(format: "p < %.3g", floor) }
        return String(format: "p = %.3g", p)
    }
    /// The interval of the change (paired bootstrap), or nil.
    var changeInterval: Interval?
    var outsideNoise: Bool
    /// A bootstrap's resolution, 1 / resamples: a p-value below it is written "p < ...", never "p = 0".
    var pFloor: Double? = nil

    var text: String {
        var s = outsideNoise ? "outside noise" : "within noise"
        if let p = pText { s += " (\(p), \(method)" } else { s += " (\(method)" }
        if let i = changeInterval { s += String(format: "; 95%% CI of change [%+.3f, %+.3f]", i.low, i.high) }
        return s + ")"
    }

    /// When both sides were tested on the same clips (same paths, contents and labels), a paired
    /// test: McNemar's for accuracy, a paired bootstrap for AUCs. Otherwise, whether the two
    /// intervals overlap. nil for metrics without either (validation, or records without intervals).
    static func of(metric: String, old: ResultsFile.Entry?, new: ResultsFile.Entry?, on context: ExecutionContext) -> Significance? {
        of(metric: metric, old: old, new: new, paired: old.flatMap { o in new.flatMap { sameClips(o, $0) } }, on: context)
    }

    /// Two entries' test clips in one order, when they are the same clips: the one decision every
    /// paired test of a classifier (labels) or a tagger (tags) rests on.
    enum SameClips { case classes(PairedClipComparison.Aligned), tags(AlignedTagging) }

    /// Both entries' test clips aligned, when they are the same clips (paths, contents, and the same
    /// labels or the same tags) and the same classes; nil otherwise.
    static func sameClips(_ old: ResultsFile.Entry, _ new: ResultsFile.Entry) -> SameClips? {
        guard old.classes == new.classes else { return nil }
        let (a, b, k) = (old.testClips ?? [], new.testClips ?? [], new.classes.count)
        if old.tagging != nil || new.tagging != nil { return AlignedTagging(a, b, tagCount: k).map(SameClips.tags) }
        return PairedClipComparison.align(a, b, classCount: k).map(SameClips.classes)
    }

    /// As above with the clips aligned once by the caller, for every metric of a pair of entries.
    static func of(metric: String, old: ResultsFile.Entry?, new: ResultsFile.Entry?,
                   paired same: SameClips?, on context: ExecutionContext) -> Significance? {
        guard let old, let new, metric.hasPrefix("test.") else { return nil }
        let plan = new.bootstrap ?? BootstrapPlan()
        var aligned: AlignedTagging? = nil, paired: PairedClipComparison.Aligned? = nil
        switch same {
        case .tags(let t)?: aligned = t
        case .classes(let c)?: paired = c
        case nil: break
        }
        if let tagging = taggingSignificance(metric: metric, old: old, new: new, aligned: aligned, plan: plan, on: context) {
            return tagging
        }
        if metric.hasPrefix("test.clip."), let paired {
            switch metric {
            case "test.clip.accuracy":
                // McNemar alone: no bootstrap is drawn for an accuracy change.
                let m = PairedClipComparison.mcnemar(paired)
                return Significance(method: "McNemar exact, \(m.onlyA) clips right only before, \(m.onlyB) only after",
                                    pValue: m.p, changeInterval: nil, outsideNoise: Noise.outside(p: m.p))
            case "test.clip.macro_auc", "test.clip.micro_auc":
                guard let t = PairedClipComparison.aucDifference(paired, plan: plan, micro: metric == "test.clip.micro_auc",
                                                                 on: context) else { return nil }
                return Significance(method: "paired bootstrap over the same \(paired.labels.count) clips", pValue: t.p,
                                    changeInterval: t.interval,
                                    outsideNoise: Noise.outside(change: t.interval), pFloor: 1 / Double(plan.resamples))
            default: break
            }
        }
        guard let i = interval(metric, old), let j = interval(metric, new) else { return nil }
        return Significance(method: "interval overlap: the test clips differ", pValue: nil, changeInterval: nil,
                            outsideNoise: Noise.outside(i, j))
    }

    /// A tagging run's macro figures: a paired bootstrap over the same clips (the same tags), else
    /// whether the two intervals overlap. nil for any other metric.
    private static func taggingSignificance(metric: String, old: ResultsFile.Entry, new: ResultsFile.Entry, aligned: AlignedTagging?,
                                            plan: BootstrapPlan, on context: ExecutionContext) -> Significance? {
        let which: TaggingBootstrap.Metric
        switch metric {
        case "test.clip.macro_roc_auc": which = .rocAUC
        case "test.clip.macro_pr_auc": which = .averagePrecision
        default: return nil
        }
        guard let a = old.tagging, let b = new.tagging else { return nil }
        if let aligned {
            guard let t = aligned.difference(which, plan: plan, on: context) else { return nil }
            return Significance(method: "paired bootstrap over the same \(aligned.tags.count / max(1, aligned.tagCount)) clips",
                                pValue: t.p, changeInterval: t.interval, outsideNoise: Noise.outside(change: t.interval),
                                pFloor: 1 / Double(plan.resamples))
        }
        let pick: (TaggingRecord) -> Interval? = {
            which == .rocAUC ? $0.test.intervals?.macroROCAUC : $0.test.intervals?.macroAveragePrecision
        }
        guard let i = pick(a), let j = pick(b) else { return nil }
        return Significance(method: "interval overlap: the test clips differ", pValue: nil, changeInterval: nil,
                            outsideNoise: Noise.outside(i, j))
    }

    private static func interval(_ metric: String, _ e: ResultsFile.Entry) -> Interval? {
        let parts = metric.split(separator: ".").map(String.init) // test.LEVEL.NAME[.CLASS]
        guard parts.count >= 3, let level = parts[1] == "clip" ? e.test.clip.intervals : parts[1] == "segment" ? e.test.segment.intervals
                : nil
        else { return nil }
        switch parts[2] {
        case "accuracy": return level.accuracy
        case "macro_auc": return level.macroAUC
        case "micro_auc": return level.microAUC
        case "auc": return e.classes.firstIndex(of: parts.dropFirst(3).joined(separator: ".")).flatMap { level.perClassAUC[$0] }
        default: return nil
        }
    }
}

enum MetricsDiff {
    struct Row: Encodable { var experiment: String; var metric: String; var old: Double?; var new: Double?
        var significance: Significance? = nil
        var change: Double? { old.flatMap { o in new.map { $0 - o } } }
    }

    /// `tested`: the metrics whose change gets its significance (all by default; the headline asks
    /// for its two only, so no paired bootstrap runs for a metric nobody prints).
    static func rows(old: ResultsFile, new: ResultsFile, on context: ExecutionContext,
                     tested: (String) -> Bool = { _ in true }) -> [Row] {
        var oldMap: [String: Double?] = [:]
        for m in old.flatMetrics() { oldMap["\(m.experiment)|\(m.metric)"] = m.value }
        let oldEntries = Dictionary(old.experiments.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let newEntries = Dictionary(new.experiments.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var rows: [Row] = []
        var seen = Set<String>()
        var aligned: [String: Significance.SameClips?] = [:] // once per experiment, for all its metrics
        for m in new.flatMetrics() {
            let key = "\(m.experiment)|\(m.metric)"
            seen.insert(key)
            let old = oldMap[key] ?? nil
            guard old != m.value, tested(m.metric) else {
                rows.append(Row(experiment: m.experiment, metric: m.metric, old: old, new: m.value))
                continue
            }
            let (a, b) = (oldEntries[m.experiment], newEntries[m.experiment])
            if aligned[m.experiment] == nil { aligned[m.experiment] = a.flatMap { a in b.flatMap { Significance.sameClips(a, $0) } } }
            let significance = Significance.of(metric: m.metric, old: a, new: b, paired: aligned[m.experiment] ?? nil,
                                               on: context)
            rows.append(Row(experiment: m.experiment, metric: m.metric, old: old, new: m.value, significance: significance))
        }
        for m in old.flatMetrics() where !seen.contains("\(m.experiment)|\(m.metric)") {
            rows.append(Row(experiment: m.experiment, metric: m.metric, old: m.value, new: nil))
        }
        return rows
    }

    static func format(_ rows: [Row], md: Bool, a: String, b: String) -> String {
        func f(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "-" }
        func d(_ v: Double?) -> String { v.map { String(format: "%+.4f", $0) } ?? "-" }
        if rows.isEmpty { return "no metric changed between \(a) and \(b)" }
        if md {
            var s = "| experiment | metric | \(a) | \(b) | change | noise |\n|---|---|---:|---:|---:|---|\n"
            for r in rows { s += "| \(r.experiment) | \(r.metric) | \(f(r.old)) | \(f(r.new)) | \(d(r.change)) | "
                    + "\(r.significance?.text ?? "") |\n" }
            return s
        }
        var s = pad("experiment", 16) + pad("metric", 34) + pad(a, 12) + pad(b, 12) + pad("change", 10) + "noise\n"
        for r in rows {
            s += pad(r.experiment, 16) + pad(r.metric, 34) + pad(f(r.old), 12) + pad(f(r.new), 12) + pad(d(r.change), 10)
            s += (r.significance?.text ?? "") + "\n"
        }
        return s
    }
}
