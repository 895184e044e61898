import ArgumentParser
import Core
import Foundation

struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Headline metrics of each commit that changed the report, newest first.",
        discussion: """
        Examples:
          lab log
          lab log -n 5
        """
    )
    @Option(name: .short, help: "At most this many commits.") var n = 20

    func run() throws {
        let ws = Workspace.current
        let r = Git.run(["log", "-n", "\(n)", "--format=%H %h %ad %s", "--date=short", "--", Workspace.resultsJSON], in: ws.root)
        guard r.status == 0 else { throw LabError("not a git repository", hint: "lab log reads the history of reports/results.json") }
        let lines = r.output.split(separator: "\n")
        if lines.isEmpty { print("no commit has changed reports/results.json yet"); return }
        for line in lines {
            let parts = line.split(separator: " ", maxSplits: 3).map(String.init)
            guard parts.count >= 3, let file = try? ResultsSource.load(parts[0], workspace: ws) else { continue }
            let summary = file.experiments.map { e in
                String(format: "%@ acc %.3f auc %@", e.name, e.test.clip.accuracy, e.test.clip.macroAUC.map { String(format: "%.3f", $0) } ?? "-")
            }.joined(separator: " | ")
            print("\(parts[1]) \(parts[2])  \(summary)  \(parts.count > 3 ? parts[3] : "")")
        }
    }
}
