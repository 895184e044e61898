import ArgumentParser
import Core
import Foundation

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Rerun the notebook and check every metric against the committed report, bit for bit.",
        discussion: """
        Reads the committed reports/results.json (HEAD's, or the file on disk outside git), reruns the
        notebook without touching the report, and exits non-zero listing every metric that differs.
        This is what a CI job calls to prove the committed report still reproduces.
        Examples:
          lab verify
          lab verify experiments/small.lab.md --against workspace
        """
    )
    @Argument(help: "`results` or a notebook path.") var notebook = "results"
    @Option(help: "What to check against: a git revision or `workspace`.") var against = "HEAD"
    @Option(help: "Threads.") var threads = 2
    @Flag(help: "No progress output.") var quiet = false

    func run() throws {
        Parallelism.setThreads(threads)
        let ws = Workspace.current
        let path = NotebookRun.notebookPath(notebook, workspace: ws)
        let committed: ResultsFile
        if against == "workspace" {
            let jsonPath = (path as NSString).deletingLastPathComponent + "/" + NotebookRun.stem(path) + ".json"
            guard let d = FileManager.default.contents(atPath: jsonPath) else { throw LabError("\(jsonPath): nothing to verify against") }
            committed = try ResultsFile.load(d, source: jsonPath)
        } else {
            let rel = ws.relative((path as NSString).deletingLastPathComponent) + "/" + NotebookRun.stem(path) + ".json"
            let r = Git.run(["show", "\(against):\(rel)"], in: ws.root)
            guard r.status == 0 else { throw LabError("\(against):\(rel): not in git", hint: "commit the report first, or use --against workspace") }
            committed = try ResultsFile.load(Data(r.output.utf8), source: "\(against):\(rel)")
        }
        let runner = NotebookRun(workspace: ws, quiet: quiet, command: "lab verify")
        guard let (fresh, _) = try runner.run(notebookPath: path, writeReport: false) else { return }
        let differences = MetricsDiff.rows(old: committed, new: fresh).filter { row in
            row.old?.bitPattern != row.new?.bitPattern
        }
        let configChanged = zip(committed.experiments, fresh.experiments).filter { $0.config != $1.config || $0.fingerprint != $1.fingerprint }
        if differences.isEmpty && configChanged.isEmpty && committed.experiments.count == fresh.experiments.count {
            print("verified: all \(fresh.flatMetrics().count) metrics of \(fresh.experiments.count) experiments equal the committed report bit for bit")
            return
        }
        for e in configChanged { print("\(e.0.name): configuration or data fingerprint differs from the committed report") }
        print(MetricsDiff.format(differences, md: false, json: false, a: "committed", b: "rerun"))
        throw ExitCode(1)
    }

}
