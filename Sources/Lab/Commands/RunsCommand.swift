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
        let store = RunStore(workspace: ws)
        if store.ids.isEmpty { print("no runs under \(ws.relative(ws.target))"); return }
        print("run            experiment        commit    status       test acc  macro AUC")
        for id in store.ids.prefix(n) {
            let dir = store.directory(id)
            // A manifest this lab cannot read (another version's, a hand-edited one) is listed, not hidden.
            guard let m = store.manifest(id) else { print(pad(id, 14), pad("?", 17), pad("-", 9), "unreadable manifest"); continue }
            let metrics = try? dir.readMetrics()
            let acc = metrics.map { String(format: "%.3f", $0.test.clip.accuracy) } ?? "-"
            let auc = metrics?.test.clip.macroAUC.map { String(format: "%.3f", $0) } ?? "-"
            print(pad(id, 14), pad(m.experiment.name, 17), pad(String((m.gitCommit ?? "-").prefix(8)) + (m.gitDirty == true ? "+" : ""), 9),
                  pad(m.displayStatus, 12), pad(acc, 9), auc)
        }
    }
}
