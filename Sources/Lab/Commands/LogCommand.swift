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
        try ReportHistory.show(notebook: notebook, commits: n, experiment: experiment, metric: metric, png: png,
                                workspace: place.workspace)
    }
}
