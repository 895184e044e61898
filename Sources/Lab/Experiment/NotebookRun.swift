import Allocator
import Core
import Crypto
import Foundation
import Plot

/// Runs every cell of a notebook and writes its report and results.json beside it.
struct NotebookRun {
    var workspace: Workspace
    var quiet = false
    var dataOverride: String? = nil
    var command: String
    var context: ExecutionContext
    /// Rerun every cell, even one with a complete run of the same config, data and engine.
    var force = false
    /// Where search trials train (`--executor`, `--workers`).
    var executor: SearchRunner.TrialExecutor = .local

    /// Resolves a bare name (`results`, `next-steps`) to reports/NAME.lab.md; anything with a `/`
    /// or a `.md` ending is a path.
    /// A typed path is relative to where it was typed; one that is not there but is under the root
    /// (`lab reproduce reports/x.lab.md` typed inside reports/) is the root's.
    static func notebookPath(_ arg: String, workspace: Workspace) -> String {
        guard arg.contains("/") || arg.hasSuffix(".md") else { return workspace.absolute("reports/\(arg).lab.md") }
        let typed = workspace.userPath(arg)
        if !FileManager.default.fileExists(atPath: typed), FileManager.default.fileExists(atPath: workspace.absolute(arg)) {
            return workspace.absolute(arg)
        }
        return typed
    }

    /// Runs every cell and returns the report's numbers (written beside the notebook with its
    /// Markdown when `writeReport`). A Ctrl-C or SIGTERM ends it with `NotebookInterrupted`.
    func run(notebookPath: String, writeReport: Bool) throws -> ResultsFile {
        let notebook = try NotebookParser.load(path: notebookPath)
        // One scan of each collection for the whole notebook: the reuse checks and the data steps share it.
        let workspace = self.workspace.scanningOnce()
        guard !notebook.experiments.isEmpty else {
            throw LabError("\(notebookPath): no ```lab cells", hint: "see docs/notebook.md for the cell format")
        }
        StopSignal.install()
        let lock = try WorkspaceLock(workspace: workspace)
        defer { withExtendedLifetime(lock) {} }
        let started = Date()
        // The tree the notebook runs from, before any of its figures or reports are written.
        let origin = (commit: Git.commit(in: workspace.root), dirty: Git.isDirty(in: workspace.root),
                      tracked: Git.isTracked(notebookPath, in: workspace.root))
        // Figures of the report itself (repeat bands, ablations) go beside it, never into a run's folder.
        let stem = Self.stem(notebookPath)
        let figures = ReportFigures(directory: writeReport ? Self.figureDirectory(notebookPath: notebookPath)
                                        : (workspace.target as NSString).appendingPathComponent("report-figures/\(stem)"))
        var results: [String: [ReportRenderer.RunResult]] = [:]
        let store = RunStore(workspace: workspace)
        for var cell in notebook.experiments {
            if let dataOverride { cell.data = Self.overriding(cell.data, with: dataOverride) }
            results[cell.name] = try self.results(of: cell, runs: try runs(of: cell, store: store, workspace: workspace), figures: figures)
        }
        let ablations = try ablations(of: notebook, results: results, figures: figures)
        let reportDir = (notebookPath as NSString).deletingLastPathComponent
        var file = ResultsFile(notebook: workspace.relative(notebookPath), machine: MachineDescription.current(kernels: context.kernels),
                               experiments: notebook.experiments.flatMap { (results[$0.name] ?? []).map(\.entry) })
        file.ablations = ablations.isEmpty ? nil : ablations
        file.engine = Engine.identity
        let renderer = ReportRenderer(notebook: notebook, results: results,
                                      rootFromReport: Self.relativePath(from: reportDir, to: workspace.root),
                                      footer: .init(commit: origin.commit, dirty: origin.dirty,
                                                    command: command, totalSeconds: Date().timeIntervalSince(started),
                                                    threads: context.threads, machine: file.machine, notebookTracked: origin.tracked),
                                      ablations: ablations, figures: "figures/\(stem)", context: context)
        let markdown = try renderer.render()
        if writeReport {
            try JSONCoding.encode(file).write(to: URL(fileURLWithPath: Self.resultsPath(notebookPath: notebookPath)), options: .atomic)
            try Data(markdown.utf8).write(to: URL(fileURLWithPath: (reportDir as NSString).appendingPathComponent("\(stem).md")),
                                          options: .atomic)
        }
        return file
    }

    /// Each run a cell asks for (one, or one per repeat): reused, resumed or run afresh, with its
    /// manifest under today's title.
    private func runs(of cell: Experiment, store: RunStore, workspace: Workspace) throws -> [(RunDirectory, RunMetrics, RunManifest)] {
        let runner = ExperimentRunner(workspace: workspace, quiet: quiet, command: command, context: context)
        var searcher = SearchRunner(workspace: workspace, quiet: quiet, command: command, context: context)
        searcher.executor = executor
        var runs: [(RunDirectory, RunMetrics, RunManifest)] = []
        for e in cell.expanded() {
            lab_release_free_memory() // the last run's maps are free: start this one from what is live
            let outcome: ExperimentRunner.Outcome
            switch force ? nil : previousRun(of: e, in: store, workspace: workspace) {
            case .complete(let dir, let metrics)?:
                say("== \(e.runName): \(e.title) (reusing run \(dir.id): same config, data and engine)")
                outcome = .complete(dir, metrics)
            case .unfinished(let dir)?:
                say("== \(e.runName): \(e.title) (resuming run \(dir.id))")
                outcome = e.search != nil ? try searcher.run(e, resuming: dir) : try runner.resume(dir)
            case nil:
                say("== \(e.runName): \(e.title)")
                outcome = e.search != nil ? try searcher.run(e) : try runner.run(e)
            }
            switch outcome {
            case .interrupted(let dir):
                throw NotebookInterrupted(runID: dir.id)
            case .complete(let dir, let metrics):
                var manifest = try dir.readManifest()
                manifest.experiment = manifest.experiment.presented(as: e) // a reused run under today's title
                runs.append((dir, metrics, manifest))
            }
        }
        return runs
    }

    /// A cell's runs as the report shows them: each one's results.json entry (figure hashes included),
    /// its folder and training time. A repeated cell also gets one loss-band figure over its runs.
    private func results(of cell: Experiment, runs: [(RunDirectory, RunMetrics, RunManifest)],
                         figures: ReportFigures) throws -> [ReportRenderer.RunResult] {
        // A repeated cell's spread: one figure over all its runs, a report figure (a complete run's
        // folder never changes after it ends).
        var extra: [String: String] = [:]
        if runs.count > 1 {
            let histories = runs.map { $0.1.history ?? [] }
            let path = try figures.path(ReportRenderer.bandFigure(cell.name))
            try Charts.lossHistoryBand(trainLoss: histories.map { $0.map(\.trainLoss) },
                                       validationLoss: histories.map { $0.map(\.validationLoss) },
                                       validationAccuracy: histories.map { $0.map(\.validationAccuracy) },
                                       title: "\(cell.title): \(runs.count) repeats").writePNG(to: path)
            extra[ReportRenderer.bandFigureKey] = try FigureHashes.hash(path)
        }
        return try runs.enumerated().map { i, run in
            let (dir, metrics, manifest) = run
            let search = try SearchRunner.record(in: dir)
            if search != nil { for name in SearchRunner.figures { extra[name] = try FigureHashes.hash(dir.file(name)) } }
            let own = try FigureHashes.of(dir, tagging: metrics.tagging != nil)
            var entry = ResultsFile.entry(manifest, metrics, figures: own.merging(i == 0 ? extra : [:]) { a, _ in a })
            entry.search = search
            // The report is rendered from the very entries results.json holds, with the two things
            // that are not reproducible beside them: the run's folder and its training time.
            return .init(entry: entry, runID: dir.id, trainingSeconds: metrics.trainingSeconds)
        }
    }

    /// Each `ablation:` group compared once every cell has run; its figure is one of the report's.
    private func ablations(of notebook: Notebook, results: [String: [ReportRenderer.RunResult]],
                           figures: ReportFigures) throws -> [AblationRecord] {
        var ablations: [AblationRecord] = []
        for group in notebook.experiments.compactMap(\.ablation).reduce(into: [String](), { if !$0.contains($1) { $0.append($1) } }) {
            let cells = notebook.experiments.filter { $0.ablation == group }
            let groupRuns = cells.map { e in (e, (results[e.name] ?? []).map(\.entry)) }
            guard groupRuns.allSatisfy({ !$0.1.isEmpty }) else { continue }
            var record = AblationRecord.build(group: group, cells: groupRuns, plan: cells[0].bootstrap ?? BootstrapPlan(),
                                              on: context)
            let path = try figures.path(record.figure)
            try record.draw(to: path)
            record.figureSHA256 = try FigureHashes.hash(path)
            ablations.append(record)
        }
        return ablations
    }

    private func say(_ s: String) {
        if !quiet { FileHandle.standardError.write(Data("\(s)\n".utf8)) }
    }

    /// The run `lab reproduce` reuses or resumes for `e` (RunStore.reusable). The data must be the
    /// same files: the collection is scanned (hashed) once per process and handed on to the data
    /// step (`Workspace.scans`); problems are left for the run to report.
    func previousRun(of e: Experiment, in store: RunStore, workspace ws: Workspace) -> RunStore.PreviousRun? {
        store.reusable(for: e) {
            guard let root = try? ws.dataRoot(for: e.data, quiet: quiet, threads: context.threads, shouldStop: { StopSignal.isRequested }),
                  let scanned = try? ws.scan(e, root: root, context: context) else { return nil }
            return ws.runFingerprint(scanned.fingerprint, e)
        }
    }

    /// `--data DIR` in place of a cell's collection: class folders, or for a cell whose clips a
    /// metadata file names, DIR with its file of the same name (the built-in tagging set's labels.csv).
    static func overriding(_ data: DataSource, with dir: String) -> DataSource {
        switch data {
        case .labelled(_, let labels, let subset):
            return .labelled(path: dir, labels: (dir as NSString).appendingPathComponent((labels as NSString).lastPathComponent),
                             subset: subset)
        case .builtinTagging: return .labelled(path: dir, labels: (dir as NSString).appendingPathComponent("labels.csv"), subset: nil)
        case .builtin, .path: return .path(dir)
        }
    }

    /// The report's own figures: <folder>/figures/<stem>/.
    static func figureDirectory(notebookPath: String) -> String {
        ((notebookPath as NSString).deletingLastPathComponent as NSString).appendingPathComponent("figures/\(stem(notebookPath))")
    }

    /// The report lives beside its notebook: <folder>/<stem>.json.
    static func resultsPath(notebookPath: String) -> String {
        ((notebookPath as NSString).deletingLastPathComponent as NSString).appendingPathComponent("\(stem(notebookPath)).json")
    }

    /// "reports/results.lab.md" -> "results": the report files are <stem>.md and <stem>.json beside it.
    static func stem(_ notebookPath: String) -> String {
        let base = ((notebookPath as NSString).lastPathComponent as NSString).deletingPathExtension
        return base.hasSuffix(".lab") ? String(base.dropLast(4)) : base
    }

    static func relativePath(from dir: String, to root: String) -> String {
        let d = (dir as NSString).standardizingPath.split(separator: "/"), r = (root as NSString).standardizingPath.split(separator: "/")
        var common = 0
        while common < min(d.count, r.count) && d[common] == r[common] { common += 1 }
        let ups = Array(repeating: "..", count: d.count - common)
        let downs = r[common...].map(String.init)
        let parts = ups + downs
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }
}

/// Where a report's own figures go; the folder is made when the first is drawn, so a notebook that
/// fails on its input leaves no empty folder.
struct ReportFigures {
    let directory: String

    func path(_ name: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return (directory as NSString).appendingPathComponent(name)
    }
}

/// A notebook run stopped by Ctrl-C or SIGTERM: its runs keep what they finished. A value, so
/// `lab verify` tells it from other errors by its type, not its text.
struct NotebookInterrupted: Error, CustomStringConvertible {
    var runID: String
    var description: String { "interrupted: run \(runID) keeps what it finished\nhint: `lab reproduce` continues where it stopped" }
}

/// SHA-256 of a run's figures, as results.json records them.
enum FigureHashes {
    static func of(_ dir: RunDirectory, tagging: Bool) throws -> [String: String] {
        var out: [String: String] = [:]
        for name in ResultsFile.figureNames(tagging: tagging) {
            out[name] = try hash(dir.file(name))
        }
        return out
    }

    static func hash(_ path: String) throws -> String {
        guard let d = FileManager.default.contents(atPath: path) else { throw LabError("\(path): figure missing from a complete run") }
        return SHA256.hash(data: d).map { String(format: "%02x", $0) }.joined()
    }
}
