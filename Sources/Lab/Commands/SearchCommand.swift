import ArgumentParser
import Core
import Foundation

/// `lab search`: look into a search, or train one of its trials (what a Slurm job runs).
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Inspect a hyper-parameter search, or train one of its trials.",
        discussion: """
        A search is a `search:` cell of a notebook. `lab reproduce` runs it start to finish (in \
        this process, --workers N processes, or --executor slurm, waiting for each rung). `lab \
        search submit` hands the whole search to Slurm as a chain of jobs and returns; `lab search \
        run`, `trial`, `promote` and `collect` are its steps, which you can also run by hand. \
        See docs/search.md.

        Examples:
          lab search submit reports/results.lab.md --cell search --slurm --slurm-time 01:00:00
          lab search status 1795795908
          lab search run reports/results.lab.md --cell search --trial 4
          lab search trial 1795795908 --trial 3 --epochs 9
          lab search k8s 1795795908 --rung 1 --image registry.example/lab:1 > rung1.yaml
        """,
        subcommands: [SearchSubmitCommand.self, SearchStatusCommand.self, SearchRunCommand.self, SearchTrialCommand.self,
                      SearchPromoteCommand.self, SearchCollectCommand.self, SearchK8sCommand.self]
    )
}

/// Every trial of a search, as its files say now: while it runs, or after.
struct SearchStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each trial of a search: pending, done (a rung, awaiting its ranking), pruned, failed or chosen, and its scores.",
        discussion: """
        Reads target/RUN/trials/*/status.json, so it works while the search runs (on this machine \
        or on Slurm) and after it.

        Examples:
          lab search status 1795795908
        """
    )

    @Argument(help: "The search's run id (a folder under target/).") var runID: String

    @OptionGroup var place: WorkspaceOption

    func run() throws {
        let ws = place.workspace
        let (dir, manifest, spec) = try searchRun(runID, workspace: ws)
        print(SearchStatusTable.render(dir: dir, manifest: manifest, spec: spec), terminator: "")
    }
}

/// The worker a Slurm job runs for one trial of a search.
struct SearchTrialCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trial",
        abstract: "Train one trial of a search to a rung (what each Slurm array task runs).",
        discussion: """
        Reads the search's cell from target/RUN/manifest.json and the trial from \
        target/RUN/trials/NNN/status.json, prepares the data from the shared feature cache, trains \
        the trial on to the rung (from its checkpoint when it has one) and writes its status.json \
        with the rung's validation score, atomically. It is idempotent: a trial that already has \
        the rung's score is left alone. Name the trial with --trial and the rung with --epochs, or \
        name the rung with --rung and the trial by its place among the rung's entrants with --index \
        (what `lab search submit --slurm`'s array tasks do: --index $SLURM_ARRAY_TASK_ID; an index \
        past the entrants has nothing to train). --mark-failed records why a trial could not train.

        Examples:
          lab search trial 1795795908 --trial 3 --epochs 9
          lab search trial 1795795908 --rung 2 --index 0
          lab search trial 1795795908 --rung 2 --index 0 --mark-failed "node lost"
        """
    )

    @Argument(help: "The search's run id (a folder under target/).") var runID: String
    @Option(help: "The trial number.") var trial: Int?
    @Option(help: "Train to this many epochs (one of the search's rungs).") var epochs: Int?
    @Option(help: "The rung, 1 for the first.") var rung: Int?
    @Option(help: "With --rung: the trial's place among the rung's entrants, from 0.") var index: Int?
    @Option(help: "Mark the trial failed at the rung with this reason instead of training it.") var markFailed: String?
    @OptionGroup var options: RunOptions

    func validate() throws {
        guard (trial == nil) != (index == nil) else { throw ValidationError("give --trial or --index, not both") }
        guard (epochs == nil) != (rung == nil) else { throw ValidationError("give --epochs or --rung, not both") }
        if index != nil, rung == nil { throw ValidationError("--index needs --rung") }
        guard (trial ?? 0) >= 0, (index ?? 0) >= 0, (epochs ?? 1) >= 1, (rung ?? 1) >= 1 else {
            throw ValidationError("--trial and --index must be at least 0, --epochs and --rung at least 1")
        }
    }

    func run() throws {
        let context = try options.context()
        StopSignal.install()
        let ws = options.workspace
        let (dir, _, spec) = try searchRun(runID, workspace: ws)
        guard let (t, r) = try SearchRunner.trialToTrain(dir: dir, spec: spec, trial: trial, epochs: epochs, rung: rung, index: index,
                                                         quiet: options.quiet) else { return }
        if let markFailed {
            try SearchRunner.markFailed(dir: dir, trial: t, rung: r, reason: markFailed)
            return
        }
        try SearchRunner(workspace: ws, quiet: true, command: "lab search trial", context: context).trainOne(dir: dir, trial: t,
                epochs: spec.rungs[r])
        if !options.quiet { print("trial \(t) of run \(runID) trained to \(spec.rungs[r]) epochs (rung \(r + 1))") }
    }
}

/// A Kubernetes Indexed Job for one rung of a search: only emitted, never applied (there is no
/// cluster here to test against). Each pod runs `lab search trial` for the trial its completion
/// index names, in a workspace every pod mounts at the same path.
struct SearchK8sCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "k8s",
        abstract: "Print a Kubernetes Indexed Job manifest that trains one rung of a search.",
        discussion: """
        The Job has one completion per trial still to train at that rung (completionMode: Indexed); \
        pod i reads its trial from the TRIALS list at JOB_COMPLETION_INDEX and runs `lab search \
        trial`. The workspace (target/ with the run and the feature cache) must be on a volume every \
        pod mounts at --mount-path. Apply it with kubectl yourself; then rerun `lab reproduce` (or \
        `lab search status`) to rank the rung. This is emitted, not tested against a cluster.

        Examples:
          lab search k8s 1795795908 --rung 1 --image registry.example/lab:1 > rung1.yaml
          lab search k8s 1795795908 --rung 2 --image lab:1 --claim lab-workspace --cpus 4
        """
    )

    @Argument(help: "The search's run id (a folder under target/).") var runID: String
    @Option(help: "The rung, 1 for the first.") var rung: Int
    @Option(help: "The container image with lab in its PATH.") var image: String
    @Option(help: "The persistent volume claim holding the workspace.") var claim = "lab-workspace"
    @Option(name: .customLong("mount-path"), help: "Where pods mount the workspace (the volume's mountPath).") var workspace = "/workspace"
    @Option(help: "CPUs per pod (also lab's --threads).") var cpus = 2
    @Option(help: "Pods at once.") var parallelism = 4

    func validate() throws {
        guard rung >= 1, cpus >= 1, parallelism >= 1 else { throw ValidationError("--rung, --cpus and --parallelism must be at least 1") }
    }

    @OptionGroup var place: WorkspaceOption

    func run() throws {
        let ws = place.workspace
        let (dir, _, spec) = try searchRun(runID, workspace: ws)
        let trials = try KubernetesJob.trialsToTrain(dir, spec: spec, rung: rung)
        print(KubernetesJob.manifest(run: runID, rung: rung, epochs: spec.rungs[rung - 1], trials: trials, image: image, claim: claim,
                                     workspace: workspace,
                            cpus: cpus, parallelism: parallelism), terminator: "")
    }
}
