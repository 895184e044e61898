import ArgumentParser
import Core
import Foundation

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List recorded runs, newest first.",
        discussion: """
        Examples:
          lab runs
          lab runs -n 5
        """
    )
    @Option(name: .short, help: "Show at most this many.") var n = 50

    @OptionGroup var place: WorkspaceOption

    func run() throws {
        let ws = place.workspace
        let ids = ws.runIDs()
        if ids.isEmpty { print("no runs under \(ws.relative(ws.target))"); return }
        print("run            experiment        commit    status       test acc  macro AUC")
        for id in ids.prefix(n) {
            let dir = ws.run(id)
            guard let m = try? dir.readManifest() else { continue }
            let metrics = try? dir.readMetrics()
            let acc = metrics.map { String(format: "%.3f", $0.test.clip.accuracy) } ?? "-"
            let auc = metrics?.test.clip.macroAUC.map { String(format: "%.3f", $0) } ?? "-"
            print(pad(id, 14), pad(m.experiment.name, 17), pad(String((m.gitCommit ?? "-").prefix(8)) + (m.gitDirty == true ? "+" : ""), 9),
                  pad(m.displayStatus, 12), pad(acc, 9), auc)
        }
    }
}
