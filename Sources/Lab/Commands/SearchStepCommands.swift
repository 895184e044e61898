import ArgumentParser
import Core
import Foundation

/// The steps of a search run as separate processes: submit, run one trial, promote a rung, collect.

struct SearchSubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Hand a notebook's search cell to Slurm as a chain of jobs (or print a Kubernetes Job for its first rung).",
        discussion: """
        Prepares the data (into the shared feature cache), freezes the plan and samples the trials \\
        here, then with --slurm submits, and returns: per rung one `sbatch --array` job of `lab \\
        search trial` tasks and one `lab search promote` job, each waiting for the one before \\
        (--dependency=afterok), and last a `lab search collect` job that evaluates the chosen \\
        trial and writes the notebook's report. A trial that fails is retried --retries times, \\
        then marked failed with its log; it never blocks the chain. Jobs are requeued if their \\
        node is lost. The workspace (this folder, with target/ and its feature cache) must be on a \\
        file system every node sees. The scripts and job ids are in target/RUN/slurm/ and \\
        target/RUN/submission.json. Run it again to carry on a search whose jobs were cancelled.

        With --k8s it prints an Indexed Job manifest for the first rung instead (see `lab search k8s`).

        Examples:
          lab search submit reports/results.lab.md --cell search --slurm
          lab search submit results --cell search --slurm --partition gpu --slurm-time 01:00:00 --cpus-per-trial 4
          lab search submit results --cell search --k8s --image registry.example/lab:1 > rung1.yaml
        """
    )

    @Argument(help: "`results`, `next-steps` (reports/NAME.lab.md) or a path to a .lab.md notebook.") var notebook = "results"
    @Option(help: "The search cell's name.") var cell: String
    @Flag(help: "Submit to Slurm with sbatch.") var slurm = false
    @Flag(help: "Print a Kubernetes Indexed Job manifest for the first rung (not applied).") var k8s = false
    @Option(help: "Use this class-per-folder collection instead of the cell's data.") var data: String?
    @OptionGroup(title: "Slurm") var slurmFlags: SlurmFlags
    @Option(help: "Times a failed trial is tried again before it is marked failed.") var retries = 1
    @Flag(help: "Start a new search even if a complete or unfinished one of this cell exists.") var force = false
    @Option(help: "With --k8s: the container image with lab in its PATH.") var image: String?
    @Option(help: "With --k8s: the persistent volume claim holding the workspace.") var claim = "lab-workspace"
    @Option(help: "With --k8s: where pods mount the workspace.") var mount = "/workspace"
    @OptionGroup var options: RunOptions

    func validate() throws {
        guard slurm != k8s else { throw ValidationError("give one of --slurm or --k8s") }
        guard retries >= 0 else { throw ValidationError("--retries must be at least 0, got \(retries)") }
        if k8s, image == nil { throw ValidationError("--k8s needs --image") }
    }

    func run() throws {
        let context = try options.context()
        let ws = options.workspace
        let command = CommandLine.arguments.dropFirst().reduce("lab") { $0 + " " + $1 }
        let data = self.data.map { StarterNotebook.portable(ws.userPath($0), typed: $0, workspace: ws) }
        let (path, e) = try searchCell(notebook: notebook, name: cell, dataOverride: data, workspace: ws)
        guard let dir = try openSearch(path: path, cell: e, dataOverride: data, workspace: ws, quiet: options.quiet, command: command,
                                       force: force, on: context) else { return }
        try SlurmSubmission.refuseWhileQueued(dir, workspace: ws)
        let spec = e.search!
        if k8s {
            print(KubernetesJob.manifest(run: dir.id, rung: 1, epochs: spec.rungs[0], trials: Array(0..<spec.trials), image: image!,
                                            claim: claim, workspace: mount,
                                                    cpus: slurmFlags.options(threads: options.threads).cpus ?? options.threads,
                                                            parallelism: 4),
                  terminator: "")
            FileHandle.standardError.write(Data(("search \(dir.id): apply this Job, then `lab search promote \(dir.id) --rung 1`, "
                + "`lab search k8s \(dir.id) --rung 2 ...` for the next rung, and `lab search collect \(dir.id)` at the end\n").utf8))
            return
        }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let jobs = try SlurmSubmission.submit(dir: dir, spec: spec, options: slurmFlags.options(threads: options.threads),
                                              retries: retries, threads: options.threads, workspace: ws, executable: exe)
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
}

struct SearchRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Train one trial of a notebook's search cell as far as the rung tables allow (idempotent).",
        discussion: """
        Finds the cell's unfinished search run (or starts one: data prepared, plan frozen, trials \\
        sampled) and trains trial I on to the first rung it has entered and not finished, or to \\
        --rung R. A rung it already finished is skipped, so running it twice does nothing more; its \\
        result is written atomically. A rung after the first needs the rung before ranked: `lab \\
        search promote RUN --rung R` once every trial of it is done. `lab search collect RUN` (or \\
        `lab reproduce`) finishes the search and writes the report.

        Examples:
          lab search run reports/results.lab.md --cell search --trial 4
          lab search run results --cell search --trial 4 --rung 2
          for i in 0 1 2 3 4 5 6 7 8; do lab search run results --cell search --trial $i & done; wait
        """
    )

    @Argument(help: "`results`, `next-steps` (reports/NAME.lab.md) or a path to a .lab.md notebook.") var notebook = "results"
    @Option(help: "The search cell's name.") var cell: String
    @Option(help: "The trial number.") var trial: Int
    @Option(help: "Train to this rung (1 for the first); default: the next one the trial has entered.") var rung: Int?
    @Option(help: "Use this class-per-folder collection instead of the cell's data.") var data: String?
    @OptionGroup var options: RunOptions

    func validate() throws {
        guard trial >= 0, (rung ?? 1) >= 1 else { throw ValidationError("--trial must be at least 0 and --rung at least 1") }
    }

    func run() throws {
        let context = try options.context()
        StopSignal.install()
        let ws = options.workspace
        let command = CommandLine.arguments.dropFirst().reduce("lab") { $0 + " " + $1 }
        let data = self.data.map { StarterNotebook.portable(ws.userPath($0), typed: $0, workspace: ws) }
        let (path, e) = try searchCell(notebook: notebook, name: cell, dataOverride: data, workspace: ws)
        let spec = e.search!
        guard trial < spec.trials else { throw LabError("search \(cell) has trials 0 to \(spec.trials - 1), not \(trial)") }
        if let rung, rung > spec.rungs.count { throw LabError("search \(cell) has \(spec.rungs.count) rungs, not \(rung)") }
        guard let dir = try openSearch(path: path, cell: e, dataOverride: data, workspace: ws, quiet: options.quiet,
                                       command: command, on: context) else { return }
        let rungs = try SearchRunner.rungs(dir)
        let done = try SearchRunner.status(dir, trial).scores.count
        let target = rung.map { $0 - 1 } ?? done
        guard target < spec.rungs.count else {
            if !options.quiet { print("trial \(trial) of run \(dir.id) has finished every rung") }
            return
        }
        guard target >= done || rung == nil else {
            if !options.quiet { print("trial \(trial) of run \(dir.id) already finished rung \(target + 1)") }
            return
        }
        guard let entrants = SearchRunner.entrants(rung: target, spec: spec, rungs: rungs) else {
            throw LabError("rung \(target) of run \(dir.id) has not been ranked yet",
                           hint: "once every trial of it is done, `lab search promote \(dir.id) --rung \(target)` ranks it")
        }
        guard entrants.contains(trial) else {
            if !options.quiet { print("trial \(trial) of run \(dir.id) was not promoted to rung \(target + 1)") }
            return
        }
        try SearchRunner(workspace: ws, quiet: true, command: command, context: context).trainOne(dir: dir, trial: trial,
                epochs: spec.rungs[target])
        if !options.quiet { print("trial \(trial) of run \(dir.id) trained to rung \(target + 1) (\(spec.rungs[target]) epochs)") }
    }
}

struct SearchPromoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Rank one rung of a search and record which trials go on (what the promotion job runs).",
        discussion: """
        Reads every trial's status.json; a trial of the rung with no result (its job ended without \\
        one) is marked failed. Ranks the rest by validation ROC-AUC, then loss, then trial number, \\
        and appends the rung's table to rungs.json. Idempotent: a rung already ranked is left as is.

        Examples:
          lab search promote 1795795908 --rung 1
        """
    )

    @Argument(help: "The search's run id (a folder under target/).") var runID: String
    @Option(help: "The rung, 1 for the first.") var rung: Int

    func validate() throws {
        guard rung >= 1 else { throw ValidationError("--rung must be at least 1") }
    }

    @OptionGroup var place: WorkspaceOption

    func run() throws {
        let ws = place.workspace
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
}

struct SearchCollectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "Finish a submitted search and write its notebook's report (what the last Slurm job runs).",
        discussion: """
        Runs the notebook the search was submitted from, as `lab reproduce` does: the search's \\
        trained trials are ranked as they are (any trial-rung still missing is trained here), the \\
        chosen configuration is evaluated on the test set once, and the report is written. Other \\
        cells reuse their complete runs.

        Examples:
          lab search collect 1795795908
        """
    )

    @Argument(help: "The search's run id (a folder under target/).") var runID: String
    @OptionGroup var options: RunOptions

    func run() throws {
        let context = try options.context()
        let ws = options.workspace
        let dir = ws.run(runID)
        guard try dir.readManifest().experiment.search != nil else { throw LabError("run \(runID) is not a search") }
        guard let submission = SlurmSubmission.read(dir) else {
            throw LabError("run \(runID) was not submitted with `lab search submit` or `lab search run`",
                           hint: "`lab reproduce NOTEBOOK` finishes it")
        }
        let command = CommandLine.arguments.dropFirst().reduce("lab") { $0 + " " + $1 }
        let path = ws.absolute(submission.notebook)
        let runner = NotebookRun(workspace: ws, quiet: options.quiet, dataOverride: submission.dataOverride, command: command,
                                 context: context)
        let file = try runner.run(notebookPath: path, writeReport: true)
        guard let entry = file.experiments.first(where: { $0.name == submission.cell }) else { return }
        print(String(format: "search %@ collected: test accuracy %.3f (clip); wrote %@", runID, entry.test.clip.accuracy,
                     ws.relative(NotebookRun.resultsPath(notebookPath: path))))
    }
}
