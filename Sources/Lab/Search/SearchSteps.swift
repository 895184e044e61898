import Core
import Foundation

/// What the search-step commands (submit, run, promote, collect) share: finding the cell, and
/// opening (or carrying on) its search run.

/// The notebook's search cell named `name`, as `lab reproduce` would run it.
func searchCell(notebook: String, name: String, dataOverride: String?, workspace: Workspace) throws -> (path: String,
        cell: Experiment) {
    let path = NotebookRun.notebookPath(notebook, workspace: workspace)
    let notebook = try NotebookParser.load(path: path)
    guard var cell = notebook.experiments.first(where: { $0.name == name }) else {
        throw LabError("\(path): no cell named \(name)", hint: "its cells are " + notebook.experiments.map(\.name).joined(separator: ", "))
    }
    guard cell.search != nil else { throw LabError("\(path): cell \(name) is not a search: cell") }
    if let dataOverride { cell.data = .path(dataOverride) }
    return (path, cell)
}

/// The cell's search run to carry on: the newest unfinished one, else a new one (data prepared,
/// plan frozen, trials sampled), recorded with its notebook so `lab search collect` can finish it.
/// nil if a complete run already holds the search.
func openSearch(path: String, cell: Experiment, dataOverride: String?, workspace: Workspace, quiet: Bool,
                        command: String, force: Bool = false, on context: ExecutionContext) throws -> RunDirectory? {
    let notebookRun = NotebookRun(workspace: workspace, quiet: true, dataOverride: dataOverride, command: command, context: context)
    switch force ? nil : notebookRun.previousRun(of: cell, in: RunStore(workspace: workspace), workspace: workspace) {
    case .complete(let dir, _)?:
        if !quiet { print("search \(cell.name) is complete in run \(dir.id); `lab reproduce` writes its report") }
        return nil
    case .unfinished(let dir)?:
        return dir
    case nil:
        StopSignal.install()
        let lock = try WorkspaceLock(workspace: workspace)
        defer { withExtendedLifetime(lock) {} }
        let dir = try SearchRunner(workspace: workspace, quiet: quiet, command: command, context: context).initialise(cell)
        try dir.writeJSON(SlurmSubmission(notebook: workspace.relative(path), cell: cell.name, dataOverride: dataOverride, jobs: []),
                          to: SlurmSubmission.file)
        return dir
    }
}

/// A search's run folder, its manifest and its plan; one clear line when the run is not a search.
func searchRun(_ runID: String, workspace ws: Workspace) throws -> (RunDirectory, RunManifest, SearchSpec) {
    let dir = ws.run(runID)
    let manifest = try dir.readManifest()
    guard let spec = manifest.experiment.search else { throw LabError("run \(runID) is not a search") }
    return (dir, manifest, spec)
}
