import ArgumentParser
import Core
import Foundation

/// `lab search`: look into a search, or train one of its trials (what a Slurm job runs).
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Inspect a hyper-parameter search, or train one of its trials.",
        discussion: """
        A search is a `search:` cell of a notebook, run by `lab reproduce` (locally, or with \
        --executor slurm as one job array per rung). See docs/search.md.

        Examples:
          lab search status 1795795908
          lab search trial 1795795908 --trial 3 --epochs 9
        """,
        subcommands: [SearchStatusCommand.self, SearchTrialCommand.self]
    )
}

/// Every trial of a search, as its files say now: while it runs, or after.
struct SearchStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each trial of a search: pending, running, pruned, failed or chosen, and its scores.",
        discussion: """
        Reads target/RUN/trials/*/status.json, so it works while the search runs (on this machine \
        or on Slurm) and after it.

        Examples:
          lab search status 1795795908
        """
    )

    @Argument(help: "The search's run id (a folder under target/).") var runID: String

    func run() throws {
        let ws = Workspace.current
        let dir = ws.run(runID)
        let manifest = try dir.readManifest()
        guard let spec = manifest.experiment.search else { throw LabError("run \(runID) is not a search") }
        let names = spec.space.keys.sorted()
        print("search \(runID) (cell \(manifest.experiment.name)): \(spec.trials) trials, eta \(spec.eta), rungs "
              + spec.rungs.map(String.init).joined(separator: ", ") + " epochs; run \(manifest.displayStatus)")
        print(pad("trial", 7) + pad("status", 10) + names.map { pad($0, 15) }.joined() + spec.rungs.map { pad("AUC @\($0)", 10) }.joined())
        var counts: [String: Int] = [:]
        for t in 0..<spec.trials {
            guard let trial = try? SearchRunner.status(dir, t) else {
                counts["pending", default: 0] += 1
                print(pad("\(t)", 7) + "pending")
                continue
            }
            let state = trial.status == "running" && trial.scores.isEmpty ? "pending" : trial.status == "complete" ? "chosen" : trial.status
            counts[state, default: 0] += 1
            var line = pad("\(t)", 7) + pad(state, 10) + names.map { pad(String(format: "%.4g", trial.params[$0] ?? .nan), 15) }.joined()
            line += spec.rungs.indices.map { pad($0 < trial.scores.count ? trial.scores[$0].validationAUC.map { String(format: "%.3f", $0) } ?? "n/a" : "-", 10) }.joined()
            if let error = trial.error { line += "  " + error }
            print(line)
        }
        print(counts.keys.sorted().map { "\(counts[$0]!) \($0)" }.joined(separator: ", "))
    }
}

/// The worker a Slurm job runs for one trial of a search (`lab reproduce --executor slurm`).
struct SearchTrialCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trial",
        abstract: "Train one trial of a search to a rung (what each Slurm job runs).",
        discussion: """
        Reads the search's cell from target/RUN/manifest.json and the trial from \
        target/RUN/trials/NNN/status.json, prepares the data from the shared feature cache, trains \
        the trial on to EPOCHS (from its checkpoint when it has one) and writes its status.json \
        with the rung's validation score. `lab reproduce --executor slurm` submits one job array \
        of these per rung and ranks the trials itself; the bits are the same as a local search's.

        Examples:
          lab search trial 1795795908 --trial 3 --epochs 9
          sbatch --array=0-8 --wrap 'lab search trial 1795795908 --trial $SLURM_ARRAY_TASK_ID --epochs 3'
        """
    )

    @Argument(help: "The search's run id (a folder under target/).") var runID: String
    @Option(help: "The trial number.") var trial: Int
    @Option(help: "Train to this many epochs (one of the search's rungs).") var epochs: Int
    @OptionGroup var options: RunOptions

    func validate() throws {
        guard trial >= 0, epochs >= 1 else { throw ValidationError("--trial must be at least 0 and --epochs at least 1") }
    }

    func run() throws {
        options.apply()
        StopSignal.install()
        let ws = Workspace.current
        let dir = ws.run(runID)
        let cell = try dir.readManifest().experiment
        guard let spec = cell.search else { throw LabError("run \(runID) is not a search") }
        guard trial < spec.trials else { throw LabError("run \(runID) has trials 0 to \(spec.trials - 1), not \(trial)") }
        guard spec.rungs.contains(epochs) else { throw LabError("run \(runID)'s rungs are \(spec.rungs), not \(epochs) epochs") }
        try SearchRunner(workspace: ws, quiet: true, command: "lab search trial").trainOne(dir: dir, trial: trial, epochs: epochs)
        if !options.quiet { print("trial \(trial) of run \(runID) trained to \(epochs) epochs") }
    }
}
