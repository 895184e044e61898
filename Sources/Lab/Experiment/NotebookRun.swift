import Core
import Crypto
import Foundation
import Plot

/// Runs every cell of a notebook and writes its report and results.json beside it.
struct NotebookRun {
    var workspace = Workspace.current
    var quiet = false
    var dataOverride: String? = nil
    var command: String
    /// Rerun every cell, even one with a complete run of the same config, data and engine.
    var force = false
    /// Where search trials train (`--executor`, `--workers`).
    var executor: SearchRunner.TrialExecutor = .local

    /// Resolves a bare name (`results`, `next-steps`) to reports/NAME.lab.md; anything with a `/`
    /// or a `.md` ending is a path.
    static func notebookPath(_ arg: String, workspace: Workspace) -> String {
        arg.contains("/") || arg.hasSuffix(".md") ? workspace.absolute(arg) : workspace.absolute("reports/\(arg).lab.md")
    }

    /// Returns the results, the rendered Markdown, or nil results if a run was interrupted.
    func run(notebookPath: String, writeReport: Bool) throws -> (ResultsFile, String)? {
        let notebook = try NotebookParser.load(path: notebookPath)
        guard !notebook.experiments.isEmpty else {
            throw LabError("\(notebookPath): no ```lab cells", hint: "see docs/notebook.md for the cell format")
        }
        StopSignal.install()
        let lock = try WorkspaceLock(workspace: workspace)
        defer { withExtendedLifetime(lock) {} }
        let started = Date()
        // The tree the notebook runs from, before any of its figures or reports are written.
        let origin = (commit: Git.commit(in: workspace.root), dirty: Git.isDirty(in: workspace.root))
        let runner = ExperimentRunner(workspace: workspace, quiet: quiet, command: command)
        var searcher = SearchRunner(workspace: workspace, quiet: quiet, command: command)
        searcher.executor = executor
        // Figures of the report itself (repeat bands, ablations) go beside it, never into a run's folder.
        let stem = Self.stem(notebookPath)
        let figures = writeReport ? Self.figureDirectory(notebookPath: notebookPath)
            : (workspace.target as NSString).appendingPathComponent("report-figures/\(stem)")
        try FileManager.default.createDirectory(atPath: figures, withIntermediateDirectories: true)
        var results: [String: [ReportRenderer.RunResult]] = [:]
        var entries: [ResultsFile.Entry] = []
        var fingerprints: [String: String] = [:] // data fingerprints for the reuse check
        for var cell in notebook.experiments {
            if let dataOverride { cell.data = .path(dataOverride) }
            var runs: [(RunDirectory, RunMetrics, RunManifest)] = []
            for e in cell.expanded() {
                let outcome: ExperimentRunner.Outcome
                switch force ? nil : try previousRun(of: e, fingerprints: &fingerprints) {
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
                    throw LabError("interrupted: run \(dir.id) keeps what it finished", hint: "`lab reproduce` continues where it stopped")
                case .complete(let dir, let metrics):
                    var manifest = try dir.readManifest()
                    manifest.experiment = manifest.experiment.presented(as: e) // a reused run under today's title
                    runs.append((dir, metrics, manifest))
                }
            }
            // A repeated cell's spread: one figure over all its runs, a report figure (a complete run's
            // folder never changes after it ends).
            var extra: [String: String] = [:]
            if runs.count > 1 {
                let histories = runs.map { $0.1.history ?? [] }
                let path = (figures as NSString).appendingPathComponent(ReportRenderer.bandFigure(cell.name))
                try Charts.lossHistoryBand(trainLoss: histories.map { $0.map(\.trainLoss) }, validationLoss: histories.map { $0.map(\.validationLoss) },
                                           validationAccuracy: histories.map { $0.map(\.validationAccuracy) },
                                           title: "\(cell.title): \(runs.count) repeats").writePNG(to: path)
                extra[ReportRenderer.bandFigureKey] = try FigureHashes.hash(path)
            }
            for (i, (dir, metrics, manifest)) in runs.enumerated() {
                let search = try SearchRunner.record(in: dir)
                if search != nil { for name in SearchRunner.figures { extra[name] = try FigureHashes.hash(dir.file(name)) } }
                var entry = ResultsFile.entry(manifest.experiment, metrics, model: manifest.model, skipped: manifest.skipped,
                                              figures: try FigureHashes.of(dir).merging(i == 0 ? extra : [:]) { a, _ in a })
                entry.search = search
                entries.append(entry)
                // The report is rendered from the very entries results.json holds, with the two things
                // that are not reproducible beside them: the run's folder and its training time.
                results[cell.name, default: []].append(.init(entry: entry, runID: dir.id, trainingSeconds: metrics.trainingSeconds))
            }
        }
        // Ablation groups: compared once every cell has run; the figure is one of the report's.
        var ablations: [AblationRecord] = []
        for group in notebook.experiments.compactMap(\.ablation).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } } {
            let cells = notebook.experiments.filter { $0.ablation == group }
            let groupRuns = cells.map { e in (e, (results[e.name] ?? []).map(\.entry)) }
            guard groupRuns.allSatisfy({ !$0.1.isEmpty }) else { continue }
            var record = AblationRecord.build(group: group, cells: groupRuns, plan: cells[0].bootstrap ?? BootstrapPlan())
            let path = (figures as NSString).appendingPathComponent(record.figure)
            try record.draw(to: path)
            record.figureSHA256 = try FigureHashes.hash(path)
            ablations.append(record)
        }
        let reportDir = (notebookPath as NSString).deletingLastPathComponent
        var file = ResultsFile(notebook: workspace.relative(notebookPath), machine: MachineDescription.current, experiments: entries)
        file.ablations = ablations.isEmpty ? nil : ablations
        let renderer = ReportRenderer(notebook: notebook, results: results,
                                      rootFromReport: Self.relativePath(from: reportDir, to: workspace.root),
                                      footer: .init(commit: origin.commit, dirty: origin.dirty,
                                                    command: command, totalSeconds: Date().timeIntervalSince(started),
                                                    threads: Parallelism.threads, machine: file.machine),
                                      ablations: ablations, figures: "figures/\(stem)")
        let markdown = try renderer.render()
        if writeReport {
            try JSONCoding.encode(file).write(to: URL(fileURLWithPath: Self.resultsPath(notebookPath: notebookPath)), options: .atomic)
            try Data(markdown.utf8).write(to: URL(fileURLWithPath: (reportDir as NSString).appendingPathComponent("\(stem).md")), options: .atomic)
        }
        return (file, markdown)
    }

    private func say(_ s: String) {
        if !quiet { FileHandle.standardError.write(Data("\(s)\n".utf8)) }
    }

    enum PreviousRun {
        case complete(RunDirectory, RunMetrics)
        case unfinished(RunDirectory)
    }

    /// The newest run of exactly this cell, by the same engine, on the same data (`dvc repro`'s rule):
    /// a complete one is reused as it is, an interrupted one (or one whose process was killed)
    /// resumes from its checkpoint. A failed run, or anything that differs, means a new run.
    func previousRun(of e: Experiment, fingerprints: inout [String: String]) throws -> PreviousRun? {
        let candidates = workspace.runIDs().map(workspace.run).filter { dir in
            guard let m = try? dir.readManifest() else { return false }
            return m.experiment.reuseKey == e.reuseKey && m.engine == Engine.identity
        }
        guard !candidates.isEmpty else { return nil }
        // The data must be the same files: scan (hash) it now. Problems are left for the run to report.
        // Hashed once per data source and class list, not once per repeat.
        let key = "\(e.data)|\(e.classes ?? [])"
        if fingerprints[key] == nil {
            guard let root = try? workspace.dataRoot(for: e.data, quiet: quiet, shouldStop: { StopSignal.isRequested }),
                  let scanned = try? AudioCollection.scan(root: root, classes: e.classes).fingerprint else { return nil }
            fingerprints[key] = scanned
        }
        guard let scanned = fingerprints[key] else { return nil }
        let fingerprint = workspace.runFingerprint(scanned, e)
        for dir in candidates {
            guard let m = try? dir.readManifest() else { continue }
            switch m.status {
            case .complete:
                if m.fingerprint == fingerprint, let metrics = try? dir.readMetrics(), (try? FigureHashes.of(dir)) != nil,
                   e.search == nil || ((try? SearchRunner.record(in: dir)) ?? nil) != nil { return .complete(dir, metrics) }
            case .interrupted, .running, .submitted:
                if m.status != .running || m.isOrphaned, m.fingerprint == nil || m.fingerprint == fingerprint { return .unfinished(dir) }
            case .failed:
                continue
            }
        }
        return nil
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

/// SHA-256 of a run's figures, as results.json records them.
enum FigureHashes {
    static func of(_ dir: RunDirectory) throws -> [String: String] {
        var out: [String: String] = [:]
        for name in ResultsFile.figureNames {
            out[name] = try hash(dir.file(name))
        }
        return out
    }

    static func hash(_ path: String) throws -> String {
        guard let d = FileManager.default.contents(atPath: path) else { throw LabError("\(path): figure missing from a complete run") }
        return SHA256.hash(data: d).map { String(format: "%02x", $0) }.joined()
    }
}
