import Core
import Foundation
import Plot

/// One side of a comparison: a git revision, a run or the working tree, with its report.
struct Revision {
    var label: String
    /// The commit it names (short hash), when it is a git revision.
    var commit: String?
    var file: ResultsFile

    /// `results`: the report's path relative to the workspace root (reports/NAME.json).
    static func load(_ spec: String, results: String = Workspace.resultsJSON, workspace ws: Workspace) throws -> Revision {
        let file = try ResultsSource.load(spec, results: results, workspace: ws)
        let isRun = FileManager.default.fileExists(atPath: ws.run(spec).file("manifest.json"))
        let r = spec == "workspace" || isRun ? (status: Int32(1), output: "") : Git.run(["rev-parse", "--short", "\(spec)^{commit}"],
                                                in: ws.root)
        return Revision(label: spec, commit: r.status == 0 ? r.output.trimmingCharacters(in: .whitespacesAndNewlines) : nil, file: file)
    }
}

/// What a person reads first when comparing reports: per experiment, the test clip accuracy and
/// macro ROC-AUC of every revision, each change with its test and verdict, and what changed in the
/// inputs (configuration keys, data, engine). Everything else stays behind `--all`. Every metric's
/// change and its significance are computed once, here; the headline, --all, --json and --md render them.
struct Comparison {
    var revisions: [Revision]
    var experiments: [String]
    /// Each experiment's change from revision i - 1 to i, computed once (each holds a paired bootstrap).
    private var changes: [String: [Int: Change]] = [:]
    /// Every metric's row from revision i - 1 to i (index i; index 0 is empty).
    private(set) var steps: [[MetricsDiff.Row]]

    struct Change {
        /// Each headline metric's test (by its `flatMetrics` key).
        var tests: [String: Significance]
        var sameClips: Bool
        var configChanges: [String]
        var dataChanged: Bool
    }

    /// Every metric each step changes is in `steps`; with `everyTest` false only the headline's two
    /// (test clip accuracy, macro ROC-AUC) carry their tests, which is all the headline prints.
    static let headlineMetrics: Set<String> = ["test.clip.accuracy", "test.clip.macro_auc", "test.clip.macro_roc_auc",
                                               "test.clip.macro_pr_auc"]

    init(_ revisions: [Revision], everyTest: Bool = true, on context: ExecutionContext) {
        self.revisions = revisions
        var names: [String] = []
        for r in revisions { for e in r.file.experiments where !names.contains(e.name) { names.append(e.name) } }
        experiments = names
        steps = revisions.indices.map { i in
            guard i > 0 else { return [] }
            return MetricsDiff.rows(old: revisions[i - 1].file, new: revisions[i].file,
                                    on: context) { everyTest || Self.headlineMetrics.contains($0) }
        }
        for name in names {
            for i in revisions.indices.dropFirst() { changes[name, default: [:]][i] = computeChange(name, i) }
        }
    }

    /// Whether the engine that made revision i differs from the one that made i - 1, by the engine
    /// identity each report records (the executable's hash, as reproduce's reuse check has it); nil
    /// when a side does not record it (a run, or a report from an older lab).
    func engineChanged(_ i: Int) -> Bool? {
        guard i > 0, let a = revisions[i - 1].file.engine, let b = revisions[i].file.engine else { return nil }
        return a != b
    }

    func entry(_ name: String, _ i: Int) -> ResultsFile.Entry? { revisions[i].file.experiments.first { $0.name == name } }

    /// Revision i against i - 1 for one experiment; nil if it is missing on either side.
    func change(_ name: String, _ i: Int) -> Change? { changes[name]?[i] }

    private func computeChange(_ name: String, _ i: Int) -> Change? {
        guard i > 0, let old = entry(name, i - 1), let new = entry(name, i) else { return nil }
        var tests: [String: Significance] = [:]
        for h in new.headline {
            tests[h.metric] = steps[i].first { $0.experiment == name && $0.metric == h.metric }?.significance
        }
        return Change(tests: tests,
                      sameClips: Significance.sameClips(old, new) != nil, configChanges: Self.configDiff(old.config, new.config),
                      dataChanged: old.fingerprint != new.fingerprint)
    }

    /// The configuration keys that differ, as "training.learning_rate: 0.001 → 0.0005" (notebook
    /// spelling: snake_case), presentation keys included, since a person wants to see those too.
    static func configDiff(_ a: Experiment, _ b: Experiment) -> [String] {
        func flat(_ e: Experiment) -> [String: String] {
            guard let data = try? JSONCoding.encode(e), let object = try? JSONValue.parse(data) else { return [:] }
            var out: [String: String] = [:]
            func walk(_ v: Any, _ path: String) {
                if let d = v as? [String: Any] {
                    for (k, x) in d { walk(x, path.isEmpty ? snake(k) : "\(path).\(snake(k))") }
                } else if let list = v as? [Any], list.allSatisfy({ !($0 is [String: Any]) }) {
                    out[path] = "[" + list.map(scalar).joined(separator: ", ") + "]"
                } else if let list = v as? [Any] {
                    for (i, x) in list.enumerated() { walk(x, "\(path)[\(i)]") }
                } else {
                    out[path] = scalar(v)
                }
            }
            walk(object, "")
            return out
        }
        let x = flat(a), y = flat(b)
        return Set(x.keys).union(y.keys).filter { x[$0] != y[$0]
                && $0 != "repeat_index" }.sorted().map { "\($0): \(x[$0] ?? "(unset)") → \(y[$0] ?? "(unset)")" }
    }

    private static func snake(_ s: String) -> String {
        s.reduce(into: "") { out, c in if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) } }
    }

    private static func scalar(_ v: Any) -> String {
        if let n = v as? NSNumber {
            if String(cString: n.objCType) == "c" { return n.boolValue ? "true" : "false" } // JSON true/false
            let d = n.doubleValue
            return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : "\(d)"
        }
        if v is NSNull { return "null" }
        return "\(v)"
    }

    // MARK: - rendering

    private func value(_ v: Double?, _ i: Interval?) -> String {
        guard let v else { return "undefined" }
        return String(format: "%.3f", v) + (i.map { String(format: " [%.3f, %.3f]", $0.low, $0.high) } ?? "")
    }

    private func delta(_ a: Double?, _ b: Double?, _ s: Significance?) -> String {
        guard let a, let b else { return "" }
        if a == b { return "=" }
        let verdict = s.map { $0.outsideNoise ? "**outside noise**" : "within noise" } ?? "no test"
        let p = s?.pText.map { ", " + $0 } ?? ""
        return String(format: "%+.3f ", b - a) + "(\(verdict)\(p))"
    }

    /// The headline table (Markdown when `md`, aligned text otherwise).
    func headline(md: Bool) -> String {
        var header = ["experiment", "metric"]
        for (i, r) in revisions.enumerated() {
            header.append(r.commit.map { $0 == r.label ? r.label : "\(r.label) (\($0))" } ?? r.label)
            if i > 0 { header.append(revisions.count == 2 ? "change" : "Δ vs \(revisions[i - 1].label)") }
        }
        var rows: [[String]] = []
        for name in experiments {
            // The headline of the newest revision that has the experiment (a tagging run's two macro figures).
            guard let shape = revisions.indices.reversed().compactMap({ entry(name, $0) }).first?.headline else { continue }
            for (h, (label, metric, _, _)) in shape.enumerated() {
                func pick(_ e: ResultsFile.Entry) -> (Double?, Interval?) {
                    let mine = e.headline
                    return h < mine.count && mine[h].metric == metric ? (mine[h].value, mine[h].interval) : (nil, nil)
                }
                var row = [name, label]
                for i in revisions.indices {
                    let e = entry(name, i)
                    row.append(e.map { let (v, iv) = pick($0); return value(v, iv) } ?? (i > 0 && entry(name,
                            i - 1) != nil ? "removed" : "—"))
                    if i > 0 {
                        if let old = entry(name, i - 1), let new = e {
                            row.append(delta(pick(old).0, pick(new).0, change(name, i)?.tests[metric]))
                        } else {
                            row.append(e != nil ? "added" : "")
                        }
                    }
                }
                rows.append(row)
            }
        }
        return Self.table(header: header, rows: rows, md: md)
    }

    /// Per experiment and revision step: same test clips or not, the configuration keys that
    /// changed, the data fingerprint, the engine source; experiments added or removed.
    func inputChanges(md: Bool) -> String {
        var lines: [String] = []
        for i in revisions.indices.dropFirst() {
            let step = "\(revisions[i - 1].label) → \(revisions[i].label)"
            var items: [String] = []
            switch engineChanged(i) {
            case true?: items.append("engine: changed (\(revisions[i - 1].file.engine ?? "") → \(revisions[i].file.engine ?? ""))")
            case false?: items.append("engine: the same (\(revisions[i].file.engine ?? ""))")
            case nil:
                let missing = [i - 1, i].filter { revisions[$0].file.engine == nil }.map { revisions[$0].label }
                items.append("engine: not recorded by \(missing.joined(separator: " and ")) (a run, or a report from an older lab)")
            }
            for name in experiments {
                switch (entry(name, i - 1), entry(name, i)) {
                case (nil, _?): items.append("`\(name)`: added")
                case (_?, nil): items.append("`\(name)`: removed")
                case (_?, _?):
                    guard let c = change(name, i) else { continue }
                    var parts: [String] = []
                    parts.append(c.configChanges.isEmpty ? "config unchanged" : "config: " + c.configChanges.joined(separator: "; "))
                    parts.append(c.dataChanged ? "data changed (new fingerprint)" : "same data")
                    let old = entry(name, i - 1), new = entry(name, i)
                    parts.append(c.sameClips ? "tested on the same clips (paired tests)"
                                 : old?.testClips == nil
                                         || new?.testClips == nil ? "no per-clip predictions on one side (an older report): no paired test"
                                 : "tested on different clips (intervals compared)")
                    items.append("`\(name)`: " + parts.joined(separator: ", "))
                case (nil, nil): continue
                }
            }
            lines.append((md ? "**\(step)**\n\n" : "\(step)\n") + items.map { (md ? "- " : "  ") + $0 }.joined(separator: "\n"))
        }
        return lines.joined(separator: md ? "\n\n" : "\n")
    }

    static func table(header: [String], rows: [[String]], md: Bool) -> String {
        if md {
            return "| " + header.joined(separator: " | ") + " |\n|" + header.indices.map { $0 < 2 ? "---|" : "---:|" }.joined() + "\n"
                + rows.map { "| " + $0.joined(separator: " | ") + " |" }.joined(separator: "\n") + "\n"
        }
        let widths = header.indices.map { c in ([header[c]] + rows.map { c < $0.count ? $0[c] : "" }).map(\.count).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { pad($0.element, widths[$0.offset] + 2) }.joined().trimmingCharacters(in: .whitespaces)
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    // MARK: - figures

    /// Per experiment: loss curves of every revision overlaid, ROC curves overlaid, the headline
    /// metrics with their intervals per revision. Returns the files written, relative to `dir`.
    func drawFigures(into dir: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var written: [String] = []
        for name in experiments {
            let present = revisions.indices.filter { entry(name, $0) != nil }
            guard !present.isEmpty else { continue }
            let safe = name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }.reduce("") { $0 + String($1) }
            // Loss history: training solid, validation dashed, one colour per revision.
            var series: [(label: String, x: [Double], y: [Double], color: Int, dashed: Bool)] = []
            // A curve identical to an earlier revision's is drawn over it; its label says so.
            func same<T: Equatable>(_ i: Int, _ value: (ResultsFile.Entry) -> T?) -> String {
                guard let v = value(entry(name, i)!), let j = present.first(where: { $0 < i && value(entry(name,
                        $0)!) == v }) else { return "" }
                return " (= \(revisions[j].label))"
            }
            for i in present {
                let h = entry(name, i)!.history ?? []
                let x = h.map { Double($0.epoch) }, note = same(i) { $0.history }
                series.append(("\(revisions[i].label) training\(note)", x, h.map(\.trainLoss), i, false))
                series.append(("\(revisions[i].label) validation\(note)", x, h.map(\.validationLoss), i, true))
            }
            let tagging = entry(name, present.last!)?.tagging != nil
            try Charts.overlay(series: series, xLabel: "epoch", yLabel: tagging ? "binary cross-entropy" : "categorical cross-entropy",
                               title: "\(name): loss per epoch (solid: training, dashed: validation)").writePNG(to: dir
                                       + "/\(safe)_loss.png")
            // ROC: each revision's micro-average over the test clips (one-vs-rest, every class pooled).
            let curves = present.compactMap { i -> (label: String, fpr: [Double], tpr: [Double], auc: Double?)? in
                let e = entry(name, i)!, k = e.classes.count
                guard let clips = e.testClips, !clips.isEmpty else { return nil }
                let scores = clips.flatMap(\.probabilities)
                let positive = clips.flatMap { c in (0..<k).map { c.tags?.contains($0) ?? ($0 == c.label) } }
                let label = revisions[i].label + same(i) { $0.testClips }
                return ROC.curve(scores: scores, positive: positive).map { (label, $0.falsePositiveRate, $0.truePositiveRate,
                                                                            ROC.area($0)) }
            }
            try Charts.roc(curves: curves,
                           title: "\(name): ROC of the test clips (micro-average), per revision").writePNG(to: dir + "/\(safe)_roc.png")
            // The headline numbers with their intervals.
            func panel(_ title: String, _ pick: (ResultsFile.Entry) -> (Double?, Interval?)) -> (title: String, means: [Double?],
                    intervals: [(Double, Double)?]) {
                (title, present.map { pick(entry(name, $0)!).0 }, present.map { pick(entry(name, $0)!).1.map { ($0.low, $0.high) } })
            }
            try Charts.dotWhisker(variants: present.map { i in revisions[i].commit.map { $0 == revisions[i].label ? $0
                    : "\(revisions[i].label) (\($0))" } ?? revisions[i].label },
                                  panels: (entry(name, present.last!)?.headline ?? []).enumerated().map { h, head in
                                      panel(head.name + " (clips)") { e in
                                          let mine = e.headline
                                          return h < mine.count && mine[h].metric == head.metric ? (mine[h].value, mine[h].interval)
                                              : (nil, nil)
                                      }
                                  },
                                  title: "\(name): headline metrics per revision, 95% bootstrap intervals over test clips")
                .writePNG(to: dir + "/\(safe)_headline.png")
            written += ["\(safe)_loss.png", "\(safe)_roc.png", "\(safe)_headline.png"]
        }
        return written
    }
}

extension Comparison {
    /// `lab compare`'s text or Markdown: the headline, what changed in the inputs, the figures (drawn
    /// into `figures.directory`, linked as `figures.shown`) and with `all` every metric of each step.
    func text(revisions: [String], md: Bool, all: Bool, figures: (directory: String, shown: String)?) throws -> String {
        var out = md ? "### Headline\n\n" : ""
        out += headline(md: md)
        out += movedTags(md: md)
        out += md ? "\n### What changed in the inputs\n\n" : "\nwhat changed in the inputs:\n"
        out += inputChanges(md: md) + "\n"
        if let (directory, png) = figures {
            let files = try drawFigures(into: directory)
            out += md ? "\n### Figures\n\n" + files.map { "![\($0)](\(png)/\($0))" }.joined(separator: "\n") + "\n"
                      : "\nfigures: " + files.map { "\(png)/\($0)" }.joined(separator: ", ") + "\n"
        }
        if all {
            for i in revisions.indices.dropFirst() {
                let rows = steps[i].filter { $0.old != $0.new }
                out += "\n" + (md ? "### Every metric, \(revisions[i - 1]) → \(revisions[i])\n\n"
                        : "every metric, \(revisions[i - 1]) → \(revisions[i]):\n")
                out += MetricsDiff.format(rows, md: md, a: revisions[i - 1], b: revisions[i]) + "\n"
            }
        }
        return out
    }
}

extension Comparison {
    /// One step of `lab compare --json`: every pair of neighbours, always a list, however many revisions.
    struct Pair: Encodable { var a: String; var b: String; var engineChanged: Bool?; var rows: [MetricsDiff.Row] }

    /// Every step's metrics (with `all`, unchanged ones too) and its tests, machine-readable.
    func pairs(revisions: [String], all: Bool) -> [Pair] {
        revisions.indices.dropFirst().map { i in
            Pair(a: revisions[i - 1], b: revisions[i], engineChanged: engineChanged(i), rows: steps[i].filter { all || $0.old != $0.new })
        }
    }
}

extension Comparison {
    /// For each tagging experiment and step, the tags whose test ROC-AUC moved most (up to 5), with
    /// their PR-AUC beside; empty when no experiment tags.
    func movedTags(md: Bool, count: Int = 5) -> String {
        var out = ""
        for name in experiments {
            for i in revisions.indices.dropFirst() {
                guard let a = entry(name, i - 1), let b = entry(name, i), let ta = a.tagging, let tb = b.tagging else { continue }
                struct Moved { var tag: String; var old: Double; var new: Double; var oldAP: Double?; var newAP: Double? }
                var moved: [Moved] = []
                for (t, tag) in b.classes.enumerated() {
                    guard let o = a.classes.firstIndex(of: tag), let x = ta.test.clip.rocAUC[safe: o] ?? nil,
                          let y = tb.test.clip.rocAUC[safe: t] ?? nil, x != y else { continue }
                    moved.append(Moved(tag: tag, old: x, new: y, oldAP: ta.test.clip.averagePrecision[safe: o] ?? nil,
                                       newAP: tb.test.clip.averagePrecision[safe: t] ?? nil))
                }
                moved.sort { abs($0.new - $0.old) != abs($1.new - $1.old) ? abs($0.new - $0.old) > abs($1.new - $1.old) : $0.tag < $1.tag }
                guard !moved.isEmpty else { continue }
                out += md ? "\n### Tags that moved most: `\(name)`, \(revisions[i - 1].label) → \(revisions[i].label)\n\n"
                          : "\ntags that moved most, \(name), \(revisions[i - 1].label) → \(revisions[i].label):\n"
                func f(_ v: Double?) -> String { v.map { String(format: "%.3f", $0) } ?? "undefined" }
                out += Self.table(header: ["tag", "ROC-AUC", "change", "PR-AUC"], rows: moved.prefix(count).map { m in
                    [m.tag, "\(f(m.old)) → \(f(m.new))", String(format: "%+.3f", m.new - m.old), "\(f(m.oldAP)) → \(f(m.newAP))"]
                }, md: md)
            }
        }
        return out
    }
}
