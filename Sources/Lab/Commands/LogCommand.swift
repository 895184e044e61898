import ArgumentParser
import Core
import Foundation
import Plot

struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "The headline of each commit that changed the report, newest first.",
        discussion: """
        One row per commit that changed the report (the notebook's NAME.json: --notebook names it; by \
        default the workspace's only notebook, or reports/results.lab.md): per experiment, test clip accuracy \
        and macro ROC-AUC, each with its 95% interval when the report has one. A commit whose report \
        cannot be read (an older format, a hand-broken file) is listed with the reason. --png FILE \
        draws one metric over the commits, oldest first, with its interval as a band.

        Examples:
          lab log
          lab log -n 5
          lab log --png auc.png --experiment multi-class
          lab log --png acc.png --experiment two-class --metric accuracy
          lab log --notebook reports/soundtracks.lab.md
        """
    )
    @Option(name: .short, help: "At most this many commits.") var n = 20
    @Option(help: "Draw the metric over the commits into this PNG.") var png: String?
    @Option(help: "With --png: the experiment (default: the newest report's first).") var experiment: String?
    @Option(help: "With --png: accuracy or macro_auc (test clips).") var metric = "macro_auc"
    @Option(help: "The notebook whose report to follow (default: the only one, or `results`).") var notebook: String?

    func validate() throws {
        guard n >= 1 else { throw ValidationError("-n must be at least 1, got \(n)") }
        guard ["accuracy", "macro_auc"].contains(metric) else { throw ValidationError("--metric must be accuracy or macro_auc, got "
                + "\(metric)") }
    }

    @OptionGroup var place: WorkspaceOption

    func run() throws {
        let ws = place.workspace
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
                    return "\(e.name) acc \(v(e.test.clip.accuracy, e.test.clip.intervals?.accuracy)) auc "
                            + "\(v(e.test.clip.macroAUC, e.test.clip.intervals?.macroAUC))"
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
