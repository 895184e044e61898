import Core
import Foundation

/// Where a model comes from: a weights file, a run, or an experiment of a notebook.
enum ModelSource {
    /// The weights to use, and the run they are (nil for a bare weights file), said on the terminal.
    struct Resolved { var weights: String; var description: String }

    static func resolve(_ source: String, notebook: String?, workspace ws: Workspace, reproduce: Bool, quiet: Bool,
                        on context: ExecutionContext) throws -> Resolved {
        let typed = ws.userPath(source)
        if source.hasSuffix(".safetensors") || (source.contains("/") && FileManager.default.fileExists(atPath: typed)) {
            guard FileManager.default.fileExists(atPath: typed) else { throw LabError("\(source): no such weights file") }
            return Resolved(weights: typed, description: "weights \(source)")
        }
        let store = RunStore(workspace: ws)
        if store.contains(source) {
            let run = store.directory(source)
            let manifest = try run.readManifest()
            guard manifest.status == .complete else {
                // The run is known: finding its notebook is for the hint only, and must not replace the answer.
                let home = manifest.status == .failed ? nil
                    : try? notebookHolding(manifest.experiment.runName, notebook: notebook, workspace: ws).path
                let hint = manifest.status == .failed ? "it failed: `lab show \(source)` says why"
                    : home.map { "`lab reproduce \(ws.relative($0))` finishes it" } ?? "`lab reproduce` of its notebook finishes it"
                throw LabError("run \(source) is \(manifest.displayStatus), not complete", hint: hint)
            }
            let about = "run \(source) (\(manifest.experiment.runName))"
            if FileManager.default.fileExists(atPath: run.file("model.safetensors")) {
                return Resolved(weights: run.file("model.safetensors"), description: about)
            }
            guard let home = try? notebookHolding(manifest.experiment.runName, notebook: notebook, workspace: ws) else {
                throw LabError("target/\(source)/model.safetensors is not here: weights are not committed; `lab reproduce` of the notebook "
                               + "with the cell `\(manifest.experiment.runName)` regenerates them bit for bit",
                               hint: "--notebook names that notebook, and --reproduce trains it again now")
            }
            return try missing(runName: manifest.experiment.runName, run: source, notebookPath: home.path, workspace: ws,
                               reproduce: reproduce, quiet: quiet, on: context)
        }
        // An experiment of a notebook: the newest complete run of that name whose config and data
        // are the notebook's report's (so a run of an edited cell, or of another notebook's cell of
        // the same name, is not taken for it).
        let home = try notebookHolding(source, notebook: notebook, workspace: ws)
        let resultsPath = NotebookRun.resultsPath(notebookPath: home.path)
        let reported = try? ResultsFile.load(Data(contentsOf: URL(fileURLWithPath: resultsPath)), source: ws.relative(resultsPath))
        let entry = reported?.experiments.first { $0.name == source }
        if let run = store.newestComplete(named: source, entry: entry, cell: home.cell, withWeights: true) {
            return Resolved(weights: run.file("model.safetensors"), description: "run \(run.id) (\(source) of \(ws.relative(home.path)))")
        }
        let run = store.newestComplete(named: source, entry: entry, cell: home.cell, withWeights: false)
        return try missing(runName: source, run: run?.id, notebookPath: home.path, workspace: ws, reproduce: reproduce, quiet: quiet,
                           on: context)
    }

    /// The notebook whose cells include `runName`: the one named with --notebook, else the only one
    /// in the workspace that has it. Several, or none, is a question for the user.
    static func notebookHolding(_ runName: String, notebook: String?, workspace ws: Workspace) throws -> (path: String, cell: Experiment) {
        func cell(in path: String) -> Experiment? {
            (try? NotebookParser.load(path: path))?.experiments.flatMap { $0.expanded() }.first { $0.runName == runName }
        }
        if let notebook {
            let path = NotebookRun.notebookPath(notebook, workspace: ws)
            let parsed = try NotebookParser.load(path: path)
            let cells = parsed.experiments.flatMap { $0.expanded() }
            guard let c = cells.first(where: { $0.runName == runName }) else {
                throw LabError("\(runName): not an experiment of \(ws.relative(path)) "
                               + "(its experiments: \(cells.map(\.runName).joined(separator: ", ")))",
                               hint: "`lab runs` lists the runs; --notebook names another notebook")
            }
            return (path, c)
        }
        let holders = ws.notebooks().compactMap { path in cell(in: path).map { (path, $0) } }
        guard holders.count == 1 else {
            if holders.isEmpty {
                let known = ws.notebooks().map { ws.relative($0) }.joined(separator: ", ")
                throw LabError("\(runName): neither a weights file, a run under target/, nor an experiment of a notebook here "
                               + "(\(known.isEmpty ? "no notebooks under \(ws.root)" : "notebooks: " + known))",
                               hint: "`lab runs` lists the runs; a notebook's cells name its experiments")
            }
            throw LabError("\(runName): an experiment of \(holders.count) notebooks "
                    + "(\(holders.map { ws.relative($0.0) }.joined(separator: ", ")))",
                           hint: "say which with --notebook, e.g. --notebook \(ws.relative(holders[0].0))")
        }
        return holders[0]
    }

    /// The weights are not here (they are never committed): say how to get them, or with
    /// --reproduce train the experiment again, which gives the same bits.
    static func missing(runName: String, run: String?, notebookPath: String, workspace ws: Workspace, reproduce: Bool,
                        quiet: Bool, on context: ExecutionContext) throws -> Resolved {
        let what = run.map { "target/\($0)/model.safetensors" } ?? "a run of `\(runName)` with its weights"
        guard reproduce else {
            throw LabError("\(what) is not here: weights are not committed; `lab reproduce \(ws.relative(notebookPath))` regenerates them "
                    + "bit for bit",
                           hint: "or add --reproduce to train `\(runName)` again now")
        }
        let nb = try NotebookParser.load(path: notebookPath)
        guard let e = nb.experiments.flatMap({ $0.expanded() }).first(where: { $0.runName == runName }) else {
            throw LabError("\(ws.relative(notebookPath)) has no cell `\(runName)` to train again",
                           hint: "--notebook names the notebook it came from")
        }
        StopSignal.install()
        let lock = try WorkspaceLock(workspace: ws)
        defer { withExtendedLifetime(lock) {} }
        let outcome = e.search != nil ? try SearchRunner(workspace: ws, quiet: quiet, command: "lab predict --reproduce",
                                                         context: context).run(e)
            : try ExperimentRunner(workspace: ws, quiet: quiet, command: "lab predict --reproduce", context: context).run(e)
        guard case .complete(let dir, _) = outcome else { throw LabError("interrupted: \(runName) was not trained again") }
        return Resolved(weights: dir.file("model.safetensors"), description: "run \(dir.id) (\(runName), trained again now)")
    }
}
