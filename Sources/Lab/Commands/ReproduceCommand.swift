import ArgumentParser
import Core
import Foundation

struct ReproduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Run a notebook's experiments and write its report.",
        discussion: """
        Runs every ```lab cell of the notebook (data, cached features, split by clip, training, \
        evaluation, figures), records each run under target/<run-id>/, then writes the report \
        (results.md) and its numbers (results.json) beside the notebook. \
        A bare name means reports/NAME.lab.md: `results`, or `next-steps` (augmentation, the harmonic front end and their ablation).

        Like `dvc repro`, it does only what is missing: a cell whose config, data (by content hash) \
        and engine (the lab executable's hash) match a complete run reuses that run; an interrupted \
        run (Ctrl-C, SIGTERM, or a killed process) resumes from its last completed epoch. The report \
        is the same bits as an uninterrupted run's. --force reruns every cell. One lab process runs \
        in a workspace at a time (target/.lock).

        Examples:
          lab reproduce results
          lab reproduce results --force
          lab reproduce next-steps
          lab reproduce experiments/search.lab.md --executor slurm --slurm-time 02:00:00
          lab reproduce experiments/search.lab.md --workers 2
          lab reproduce results --data ~/datasets/gtzan/genres
          lab reproduce experiments/small.lab.md --quiet
        """
    )

    @Argument(help: "`results`, `next-steps` (reports/NAME.lab.md) or a path to a .lab.md notebook.") var notebook = "results"
    @Option(help: ArgumentHelp("Use this collection for every cell: class folders, or for a cell with `labels:` (or the built-in "
                               + "tagging set) this folder and its labels file of the same name.")) var data: String?
    @Flag(help: "Rerun every cell, even those with a complete run of the same config, data and engine.") var force = false
    @Option(help: "Where search trials train: local (this process) or slurm (one sbatch job array per rung; the bits are the same).")
    var executor = "local"
    @Option(help: "With --executor local: train this many search trials at once, each its own process (1: all in this process).")
    var workers = 1
    @OptionGroup(title: "Slurm (with --executor slurm)") var slurm: SlurmFlags

    func validate() throws {
        guard ["local", "slurm"].contains(executor) else { throw ValidationError("--executor must be local or slurm, got \(executor)") }
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1, got \(workers)") }
    }
    @OptionGroup var options: RunOptions

    func run() throws {
        let context = try options.context()
        let ws = options.workspace
        let path = NotebookRun.notebookPath(notebook, workspace: ws)
        let started = Date()
        // A --data path is stored as the notebook would write it (relative, or ~/...), never as this machine's absolute path.
        let dataOverride = data.map { StarterNotebook.portable(ws.userPath($0), typed: $0, workspace: ws) }
        let runner = NotebookRun(workspace: ws, quiet: options.quiet, dataOverride: dataOverride,
                                 command: CommandLine.arguments.dropFirst().reduce("lab") { $0 + " " + $1 }, context: context, force: force,
                                 executor: executor == "slurm" ? .slurm(slurm.options(threads: options.threads))
                                     : workers > 1 ? .processes(workers: workers) : .local)
        let file = try runner.run(notebookPath: path, writeReport: true)
        let dir = ws.relative((path as NSString).deletingLastPathComponent)
        print("wrote \(dir)/\(NotebookRun.stem(path)).md and \(dir)/\(NotebookRun.stem(path)).json in "
                + "\(Int(Date().timeIntervalSince(started))) s")
        for e in file.experiments {
            // "test clip accuracy 0.760, test macro ROC-AUC 0.912" (a tagging run: macro ROC-AUC and PR-AUC).
            print("  \(e.name): " + e.headline.map { "\($0.name) \($0.value.map { String(format: "%.3f", $0) } ?? "undefined")" }
                    .joined(separator: ", "))
        }
    }

}
