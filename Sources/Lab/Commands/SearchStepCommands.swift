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
        try submitSearch(notebook: notebook, cell: cell, data: data, kubernetes: k8s ? (image!, claim, mount) : nil,
                         slurm: slurmFlags.options(threads: options.threads), retries: retries, force: force, workspace: options.workspace,
                                 threads: options.threads, quiet: options.quiet, context: try options.context())
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
        try runSearchTrial(notebook: notebook, cell: cell, trial: trial, rung: rung, data: data, workspace: options.workspace,
                           quiet: options.quiet, context: try options.context())
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
        try promoteRung(runID: runID, rung: rung, workspace: place.workspace)
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
        try collectSearch(runID: runID, workspace: options.workspace, quiet: options.quiet, context: try options.context())
    }
}
