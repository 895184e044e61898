import ArgumentParser
import Core
import Foundation

struct ReproduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Run a notebook's experiments and write its report.",
        discussion: """
        Runs every ```lab cell of the notebook (data, cached features, split by clip, training, \
        evaluation, figures), records each run under target/<run-id>/, then writes the report \
        (results.md) and its numbers (results.json) beside the notebook. \
        `results` means reports/results.lab.md. Ctrl-C stops at the last completed epoch; finish \
        with `lab resume RUN`.

        Examples:
          lab reproduce results
          lab reproduce results --data ~/datasets/gtzan/genres
          lab reproduce experiments/small.lab.md --quiet
        """
    )

    @Argument(help: "`results` or a path to a .lab.md notebook.") var notebook = "results"
    @Option(help: "Use this class-per-folder collection for every cell instead of the built-in one.") var data: String?
    @OptionGroup var options: RunOptions

    func run() throws {
        options.apply()
        let ws = Workspace.current
        let path = NotebookRun.notebookPath(notebook, workspace: ws)
        let started = Date()
        let runner = NotebookRun(workspace: ws, quiet: options.quiet, dataOverride: data, command: CommandLine.arguments.dropFirst().reduce("lab") { $0 + " " + $1 })
        guard let (file, _) = try runner.run(notebookPath: path, writeReport: true) else { return }
        let dir = ws.relative((path as NSString).deletingLastPathComponent)
        print("wrote \(dir)/\(NotebookRun.stem(path)).md and \(dir)/\(NotebookRun.stem(path)).json in \(Int(Date().timeIntervalSince(started))) s")
        for e in file.experiments {
            print(String(format: "  %@: test accuracy %.3f (clip), macro ROC-AUC %@", e.name, e.test.clip.accuracy,
                         e.test.clip.macroAUC.map { String(format: "%.3f", $0) } ?? "undefined"))
        }
    }

}
