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
    @Argument(help: "`results` or a notebook path.") var notebook = "results"
    @Option(help: "What to check against: a git revision or `workspace`.") var against = "HEAD"
    @Option(help: "Threads.") var threads = 2
    @Flag(help: "No progress output.") var quiet = false
    @Flag(help: "Keep the scratch directory with the rerun's runs, and print its path.") var keep = false

    func run() throws {
        Parallelism.setThreads(threads)
        let ws = Workspace.current
        let path = NotebookRun.notebookPath(notebook, workspace: ws)
        let (committedData, source) = try Self.committedResults(notebookPath: path, against: against, workspace: ws)
        let committed = try ResultsFile.load(committedData, source: source)

        let scratch = try Self.makeScratchDirectory()
        defer {
            if keep { print("scratch runs kept in \(scratch)") } else { try? FileManager.default.removeItem(atPath: scratch) }
        }
        let runner = NotebookRun(workspace: ws.scratch(at: scratch), quiet: quiet, command: "lab verify")
        let fresh: ResultsFile
        do {
            guard let (file, _) = try runner.run(notebookPath: path, writeReport: false) else { return }
            fresh = file
        } catch let e as LabError where e.message.hasPrefix("interrupted") {
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
        let rows = MetricsDiff.rows(old: committed, new: fresh).filter { $0.old?.bitPattern != $0.new?.bitPattern }
        if !rows.isEmpty { print("\nheadline metrics that differ:\n" + MetricsDiff.format(rows, md: false, json: false, a: "committed", b: "rerun")) }
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
        let r = Git.run(["show", "\(against):\(rel)"], in: ws.root)
        guard r.status == 0 else { throw LabError("\(against):\(rel): not in git", hint: "commit the report first, or use --against workspace") }
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

/// Two results.json compared leaf by leaf, in document order, `machine` left out.
struct ResultsComparison {
    struct Difference { var path: String; var committed: String; var rerun: String }
    private(set) var differences: [Difference] = []
    private(set) var numbersCompared = 0

    init(committed: Data, rerun: Data) throws {
        func parse(_ d: Data, _ what: String) throws -> Any {
            do { return try JSONSerialization.jsonObject(with: d, options: [.fragmentsAllowed]) } catch {
                throw LabError("\(what) results.json is not JSON (\(error.localizedDescription))")
            }
        }
        walk(try parse(committed, "the committed"), try parse(rerun, "the rerun's"), path: "")
    }

    private static func text(_ v: Any?) -> String {
        guard let v else { return "absent" }
        if let n = v as? NSNumber { return "\(n.doubleValue)" }
        if let s = v as? String { return "\"" + (s.count > 64 ? String(s.prefix(64)) + "…" : s) + "\"" }
        if v is NSNull { return "null" }
        return "\(type(of: v))"
    }

    private mutating func walk(_ a: Any?, _ b: Any?, path: String) {
        switch (a, b) {
        case let (x as [String: Any], y as [String: Any]):
            for key in Set(x.keys).union(y.keys).sorted() where !(path.isEmpty && key == "machine") {
                walk(x[key], y[key], path: path.isEmpty ? key : "\(path).\(key)")
            }
        case let (x as [Any], y as [Any]):
            for i in 0..<max(x.count, y.count) { walk(i < x.count ? x[i] : nil, i < y.count ? y[i] : nil, path: "\(path)[\(i)]") }
        case let (x as NSNumber, y as NSNumber):
            numbersCompared += 1
            if x.doubleValue.bitPattern != y.doubleValue.bitPattern { differences.append(.init(path: path, committed: Self.text(x), rerun: Self.text(y))) }
        case let (x as String, y as String):
            if x != y { differences.append(.init(path: path, committed: Self.text(x), rerun: Self.text(y))) }
        case (is NSNull, is NSNull):
            break
        default:
            if a is NSNumber || b is NSNumber { numbersCompared += 1 }
            differences.append(.init(path: path, committed: Self.text(a), rerun: Self.text(b)))
        }
    }

    /// The first difference, where each history diverges, and both machines.
    func summary(committed: ResultsFile, rerun: ResultsFile) -> String {
        var s = "MISMATCH: \(differences.count) of \(numbersCompared) numbers (or texts) differ from the committed report\n"
        if let first = differences.first {
            s += "first difference: \(first.path): committed \(first.committed), rerun \(first.rerun)\n"
        }
        for (old, new) in zip(committed.experiments, rerun.experiments) {
            guard let h0 = old.history, let h1 = new.history else {
                s += "\(old.name): the committed report has no per-epoch history or figure hashes: it was written by an older "
                s += "lab and cannot be verified in full; regenerate it with `lab reproduce` and commit it\n"
                continue
            }
            if let i = (0..<min(h0.count, h1.count)).first(where: { h0[$0] != h1[$0] }) {
                s += String(format: "%@: history diverges at epoch %d (train loss committed %.9g, rerun %.9g)\n",
                            old.name, h0[i].epoch, h0[i].trainLoss, h1[i].trainLoss)
            } else if h0.count != h1.count {
                s += "\(old.name): history equal for \(min(h0.count, h1.count)) epochs, then \(h0.count) vs \(h1.count) epochs\n"
            } else {
                s += "\(old.name): history identical over \(h0.count) epochs\n"
            }
        }
        func machine(_ title: String, _ m: MachineDescription?) -> String {
            guard let m else { return "\(title): not recorded (report written by an older lab)\n" }
            return "\(title):\n" + m.lines.map { "  " + $0 }.joined(separator: "\n") + "\n"
        }
        s += machine("committed report made on", committed.machine)
        s += machine("rerun made on", rerun.machine)
        return s
    }
}
