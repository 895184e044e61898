import ArgumentParser
import Core
import Foundation

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Rerun the notebook and check every number and figure against the committed report, bit for bit.",
        discussion: """
        Reads the committed report's results.json (HEAD's, or the file on disk with --against workspace) and reruns the \
        notebook in a scratch directory, so no run folder appears under target/ and the report is not touched. Every \
        number of results.json is compared: counts, epochs, each epoch's history, confusion matrices, every accuracy and \
        ROC-AUC, and the SHA-256 of every figure. Only the description of the machine that wrote the report is left out.

        On a mismatch it prints the first differing number, the first epoch at which each training history diverges, \
        and the CPU, OS, toolchain and library versions of the committed report and of the rerun, then exits 1. \
        This is what a CI job calls to prove the committed report still reproduces on its machine.

        Examples:
          lab verify
          lab verify next-steps.lab.md --against workspace
          lab verify --keep        # keep the scratch runs for inspection
        """
    )
    @Argument(help: "`results`, `next-steps` (reports/NAME.lab.md) or a notebook path.") var notebook = "results"
    @Option(help: "What to check against: a git revision or `workspace`.") var against = "HEAD"
    @OptionGroup var options: RunOptions
    @Flag(help: "Keep the scratch directory with the rerun's runs, and print its path.") var keep = false

    func run() throws {
        let context = try options.context()
        let ws = options.workspace
        let path = NotebookRun.notebookPath(notebook, workspace: ws)
        let (committedData, source) = try Self.committedResults(notebookPath: path, against: against, workspace: ws)
        let committed = try ResultsFile.load(committedData, source: source)

        let scratch = try Self.makeScratchDirectory()
        defer {
            if keep { print("scratch runs kept in \(scratch)") } else { try? FileManager.default.removeItem(atPath: scratch) }
        }
        let runner = NotebookRun(workspace: ws.scratch(at: scratch), quiet: options.quiet, command: "lab verify", context: context)
        let fresh: ResultsFile
        do {
            fresh = try runner.run(notebookPath: path, writeReport: false)
        } catch is NotebookInterrupted {
            throw LabError("interrupted: nothing was verified", hint: "run `lab verify` again; its scratch runs are not kept")
        }

        let comparison = try ResultsComparison(committed: committedData, rerun: JSONCoding.encode(fresh))
        if comparison.differences.isEmpty {
            let figures = fresh.experiments.reduce(0) { $0 + ($1.figures?.count ?? 0) }
            print("verified: all \(comparison.numbersCompared) numbers and \(figures) figure hashes of \(fresh.experiments.count) "
                  + "experiments equal the committed report (\(source)) bit for bit")
            return
        }
        print(comparison.summary(committed: committed, rerun: fresh))
        let rows = MetricsDiff.rows(old: committed, new: fresh, on: context).filter { $0.old?.bitPattern != $0.new?.bitPattern }
        if !rows.isEmpty { print("\nheadline metrics that differ:\n" + MetricsDiff.format(rows, md: false, a: "committed", b: "rerun")) }
        throw ExitCode(1)
    }

    static func committedResults(notebookPath path: String, against: String, workspace ws: Workspace) throws -> (Data, String) {
        let jsonPath = NotebookRun.resultsPath(notebookPath: path)
        if against == "workspace" {
            guard let d = FileManager.default.contents(atPath: jsonPath) else {
                throw LabError("\(jsonPath): nothing to verify against", hint: "run `lab reproduce` first")
            }
            return (d, ws.relative(jsonPath))
        }
        let rel = ws.relative(jsonPath)
        let r = Git.run(["show", "\(against):./\(rel)"], in: ws.root) // relative to the root, wherever the repository's top is
        guard r.status == 0 else { throw LabError("\(against):\(rel): not in git",
                                                  hint: "commit the report first, or use --against workspace") }
        return (Data(r.output.utf8), "\(against):\(rel)")
    }

    static func makeScratchDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() as NSString).appendingPathComponent("lab-verify-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw LabError("\(NSTemporaryDirectory()): cannot create a scratch directory (\(String(cString: strerror(errno))))")
        }
        return String(cString: made)
    }
}
