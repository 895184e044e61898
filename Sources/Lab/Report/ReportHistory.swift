import Core
import Foundation
import Plot

enum ReportHistory {
    /// `lab log`: each commit that changed a notebook's report, with its headline numbers, and with `png` a
    /// trend figure of one metric.
    static func show(notebook: String?, commits n: Int, experiment: String?, metric: String, png: String?,
                     workspace ws: Workspace) throws {
        let report = try ws.report(notebook: notebook)
        let r = Git.run(["log", "-n", "\(n)", "--format=%H %h %ad %s", "--date=short", "--", report], in: ws.root)
        guard r.status == 0 else { throw LabError("\(ws.root): not a git repository", hint: "lab log reads the history of \(report)") }
        let lines = r.output.split(separator: "\n")
        if lines.isEmpty {
            let others = ws.notebooks().map { ws.relative(NotebookRun.resultsPath(notebookPath: $0)) }.filter { $0 != report }
            print("no commit has changed \(report) yet" + (others.isEmpty ? ""
                    : " (other reports here: \(others.joined(separator: ", ")); --notebook picks one)"))
            return
        }
        var points: [(label: String, entry: ResultsFile.Entry?)] = []
        for line in lines {
            let parts = line.split(separator: " ", maxSplits: 3).map(String.init)
            guard parts.count >= 3 else { continue }
            let subject = parts.count > 3 ? parts[3] : ""
            do {
                let file = try ResultsSource.load(parts[0], results: report, workspace: ws)
                let summary = file.experiments.map { e in
                    func v(_ x: Double?, _ i: Interval?) -> String {
                        (x.map { String(format: "%.3f", $0) } ?? "-") + (i.map { String(format: " [%.2f, %.2f]", $0.low, $0.high) } ?? "")
                    }
                    let (first, second) = (e.headline[0], e.headline[1])
                    return "\(e.name) \(e.tagging != nil ? "roc" : "acc") \(v(first.value, first.interval)) "
                            + "\(e.tagging != nil ? "pr" : "auc") \(v(second.value, second.interval))"
                }.joined(separator: " | ")
                print("\(parts[1]) \(parts[2])  \(summary)  \(subject)")
                let name = experiment ?? points.first(where: { $0.entry != nil })?.entry?.name ?? file.experiments.first?.name
                points.append((parts[1], file.experiments.first { $0.name == name }))
            } catch let e as UserError {
                print("\(parts[1]) \(parts[2])  (report not readable: \(e.message))  \(subject)")
                points.append((parts[1], nil))
            }
        }
        if let png {
            let ordered = Array(points.reversed()) // oldest first
            guard let name = experiment
                    ?? ordered.last(where: { $0.entry != nil })?.entry?.name, ordered.contains(where: { $0.entry?.name == name }) else {
                throw LabError("--png: no readable report in these commits has experiment '\(experiment ?? "")'")
            }
            let accuracy = metric == "accuracy"
            let entries = ordered.map { $0.entry?.name == name ? $0.entry : nil }
            let values = entries.map { e in e.flatMap { accuracy ? $0.test.clip.accuracy : $0.test.clip.macroAUC } }
            let intervals = entries.map { e in e.flatMap { accuracy ? $0.test.clip.intervals?.accuracy
                    : $0.test.clip.intervals?.macroAUC } }
            try Charts.trend(labels: ordered.map(\.label), values: values, low: intervals.map { $0?.low }, high: intervals.map { $0?.high },
                             yLabel: accuracy ? "test clip accuracy" : "test macro ROC-AUC (clips)",
                             title: "\(name): test \(accuracy ? "clip accuracy" : "macro ROC-AUC") per commit, 95% interval as a band")
                .writePNG(to: ws.userPath(png))
            print("wrote \(png)")
        }
    }
}
