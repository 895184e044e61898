import ArgumentParser
import Core
import Foundation


enum Verification {
    /// `lab verify`: runs a notebook again in a scratch workspace and compares every number and figure hash
    /// with its committed report; exits 1 naming what differs.
    static func verify(notebook: String, against: String, keep: Bool, workspace ws: Workspace, quiet: Bool,
                       context: ExecutionContext) throws {
        let path = NotebookRun.notebookPath(notebook, workspace: ws)
        let (committedData, source) = try Verification.committedResults(notebookPath: path, against: against, workspace: ws)
        let committed = try ResultsFile.load(committedData, source: source)

        let scratch = try Verification.makeScratchDirectory()
        defer {
            if keep { print("scratch runs kept in \(scratch)") } else { try? FileManager.default.removeItem(atPath: scratch) }
        }
        let runner = NotebookRun(workspace: ws.scratch(at: scratch), quiet: quiet, command: "lab verify", context: context)
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
