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

/// `lab search promote`: ranks one rung of a search by its trials' status files and records which go on. Idempotent.
func promoteRung(runID: String, rung: Int, workspace ws: Workspace) throws {
    let dir = ws.run(runID)
    let cell = try dir.readManifest().experiment
    guard let spec = cell.search else { throw LabError("run \(runID) is not a search") }
    guard rung <= spec.rungs.count else { throw LabError("run \(runID) has \(spec.rungs.count) rungs, not \(rung)") }
    var rungs = try SearchRunner.rungs(dir)
    guard rungs.count < rung else {
        print("rung \(rung) of run \(runID) is already ranked: promoted \(rungs[rung - 1].promoted)")
        return
    }
    guard let entrants = SearchRunner.entrants(rung: rung - 1, spec: spec, rungs: rungs) else {
        throw LabError("rung \(rung - 1) of run \(runID) has not been ranked yet",
                       hint: "`lab search promote \(runID) --rung \(rung - 1)` first")
    }
    var trials = try SearchRunner.trials(cell, spec: spec, dir: dir)
    for t in entrants where trials[t].status != .failed && trials[t].scores.count < rung {
        try SearchRunner.markFailed(dir: dir, trial: t, rung: rung - 1, reason: "no result for rung \(rung) when it was ranked")
        trials[t] = try SearchRunner.status(dir, t)
    }
    let table = try SearchRunner.rank(rung: rung - 1, spec: spec, entrants: entrants, trials: &trials, dir: dir, workspace: ws)
    rungs.append(table)
    try dir.writeJSON(rungs, to: "rungs.json")
    print("rung \(rung) of run \(runID): \(table.ranking.count) ranked, promoted \(table.promoted)")
}

/// `lab search collect`: runs the notebook a search was submitted from, as `lab reproduce` does,
/// which finishes the search.
func collectSearch(runID: String, workspace ws: Workspace, quiet: Bool, context: ExecutionContext) throws {
    let dir = ws.run(runID)
    guard try dir.readManifest().experiment.search != nil else { throw LabError("run \(runID) is not a search") }
    guard let submission = SlurmSubmission.read(dir) else {
        throw LabError("run \(runID) was not submitted with `lab search submit` or `lab search run`",
                       hint: "`lab reproduce NOTEBOOK` finishes it")
    }
    let command = CommandLine.arguments.dropFirst().reduce("lab") { $0 + " " + $1 }
    let path = ws.absolute(submission.notebook)
    let runner = NotebookRun(workspace: ws, quiet: quiet, dataOverride: submission.dataOverride, command: command,
                             context: context)
    let file = try runner.run(notebookPath: path, writeReport: true)
    guard let entry = file.experiments.first(where: { $0.name == submission.cell }) else { return }
    print(String(format: "search %@ collected: test accuracy %.3f (clip); wrote %@", runID, entry.test.clip.accuracy,
                 ws.relative(NotebookRun.resultsPath(notebookPath: path))))
}

/// `lab search run`: trains one trial of a notebook's search cell on to the next rung it has
/// entered (or `rung`). Idempotent.
func runSearchTrial(notebook: String, cell: String, trial: Int, rung: Int?, data typed: String?, workspace ws: Workspace, quiet: Bool,
                    context: ExecutionContext) throws {
    StopSignal.install()
    let command = CommandLine.arguments.dropFirst().reduce("lab") { $0 + " " + $1 }
    let data = typed.map { StarterNotebook.portable(ws.userPath($0), typed: $0, workspace: ws) }
    let (path, e) = try searchCell(notebook: notebook, name: cell, dataOverride: data, workspace: ws)
    let spec = e.search!
    guard trial < spec.trials else { throw LabError("search \(cell) has trials 0 to \(spec.trials - 1), not \(trial)") }
    if let rung, rung > spec.rungs.count { throw LabError("search \(cell) has \(spec.rungs.count) rungs, not \(rung)") }
    guard let dir = try openSearch(path: path, cell: e, dataOverride: data, workspace: ws, quiet: quiet,
                                   command: command, on: context) else { return }
    let rungs = try SearchRunner.rungs(dir)
    let done = try SearchRunner.status(dir, trial).scores.count
    let target = rung.map { $0 - 1 } ?? done
    guard target < spec.rungs.count else {
        if !quiet { print("trial \(trial) of run \(dir.id) has finished every rung") }
        return
    }
    guard target >= done || rung == nil else {
        if !quiet { print("trial \(trial) of run \(dir.id) already finished rung \(target + 1)") }
        return
    }
    guard let entrants = SearchRunner.entrants(rung: target, spec: spec, rungs: rungs) else {
        throw LabError("rung \(target) of run \(dir.id) has not been ranked yet",
                       hint: "once every trial of it is done, `lab search promote \(dir.id) --rung \(target)` ranks it")
    }
    guard entrants.contains(trial) else {
        if !quiet { print("trial \(trial) of run \(dir.id) was not promoted to rung \(target + 1)") }
        return
    }
    try SearchRunner(workspace: ws, quiet: true, command: command, context: context).trainOne(dir: dir, trial: trial,
            epochs: spec.rungs[target])
    if !quiet { print("trial \(trial) of run \(dir.id) trained to rung \(target + 1) (\(spec.rungs[target]) epochs)") }
}

/// `lab search submit`: opens (or carries on) a search cell's run here, then submits it to Slurm as
/// a chain of jobs and returns, or prints a Kubernetes Job for its first rung.
func submitSearch(notebook: String, cell: String, data typed: String?, kubernetes: (image: String, claim: String, mount: String)?,
                  slurm slurmOptions: SearchRunner.SlurmOptions, retries: Int, force: Bool, workspace ws: Workspace, threads: Int,
                  quiet: Bool, context: ExecutionContext) throws {
    let command = CommandLine.arguments.dropFirst().reduce("lab") { $0 + " " + $1 }
    let data = typed.map { StarterNotebook.portable(ws.userPath($0), typed: $0, workspace: ws) }
    let (path, e) = try searchCell(notebook: notebook, name: cell, dataOverride: data, workspace: ws)
    guard let dir = try openSearch(path: path, cell: e, dataOverride: data, workspace: ws, quiet: quiet, command: command,
                                   force: force, on: context) else { return }
    try SlurmSubmission.refuseWhileQueued(dir, workspace: ws)
    let spec = e.search!
    if let kubernetes {
        print(KubernetesJob.manifest(run: dir.id, rung: 1, epochs: spec.rungs[0], trials: Array(0..<spec.trials), image: kubernetes.image,
                                     claim: kubernetes.claim, workspace: kubernetes.mount, cpus: slurmOptions.cpus ?? threads,
                                     parallelism: 4), terminator: "")
        FileHandle.standardError.write(Data(("search \(dir.id): apply this Job, then `lab search promote \(dir.id) --rung 1`, "
            + "`lab search k8s \(dir.id) --rung 2 ...` for the next rung, and `lab search collect \(dir.id)` at the end\n").utf8))
        return
    }
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    let jobs = try SlurmSubmission.submit(dir: dir, spec: spec, options: slurmOptions,
                                          retries: retries, threads: threads, workspace: ws, executable: exe)
    try dir.writeJSON(SlurmSubmission(notebook: ws.relative(path), cell: e.name, dataOverride: data, jobs: jobs),
                      to: SlurmSubmission.file)
    var manifest = try dir.readManifest()
    manifest.status = .submitted
    try dir.writeJSON(manifest, to: "manifest.json")
    print("search \(dir.id) (cell \(e.name)): submitted \(jobs.count) Slurm jobs")
    for job in jobs { print("  \(job.id)  \(job.name)  target/\(dir.id)/\(job.script)") }
    print("watch it with `lab search status "
            + "\(dir.id)`; its last job writes \(ws.relative(NotebookRun.resultsPath(notebookPath: path)))")
}
