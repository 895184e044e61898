import ArgumentParser
import Core
import Foundation

/// The worker a Slurm job runs for one trial of a search (`lab reproduce --executor slurm`).
struct SearchTrialCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search-trial",
        abstract: "Train one trial of a search to a rung (what each Slurm job runs).",
        discussion: """
        Reads the search's cell from target/RUN/manifest.json and the trial from \
        target/RUN/trials/NNN/status.json, prepares the data from the shared feature cache, trains \
        the trial on to EPOCHS (from its checkpoint when it has one) and writes its status.json \
        with the rung's validation score. `lab reproduce --executor slurm` submits one job array \
        of these per rung and ranks the trials itself; the bits are the same as a local search's.

        Examples:
          lab search-trial 1795795908 --trial 3 --epochs 9
          sbatch --array=0-8 --wrap 'lab search-trial 1795795908 --trial $SLURM_ARRAY_TASK_ID --epochs 3'
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
        try SearchRunner(workspace: ws, quiet: true, command: "lab search-trial").trainOne(dir: dir, trial: trial, epochs: epochs)
        if !options.quiet { print("trial \(trial) of run \(runID) trained to \(epochs) epochs") }
    }
}
