import ArgumentParser
import Core
import Foundation

struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Finish an interrupted run from its last checkpoint.",
        discussion: """
        The finished run is bit-identical to one that was never stopped: weights, optimiser state, \
        generators and history all come from the checkpoint. `lab reproduce` does this by itself for \
        every interrupted cell, then reuses the finished run in the report.

        Examples:
          lab resume 1732512345
        """
    )

    @Argument(help: "The run id (a folder under target/).") var runID: String
    @OptionGroup var options: RunOptions

    func run() throws {
        let context = try options.context()
        StopSignal.install()
        let ws = options.workspace
        let dir = ws.run(runID)
        let lock = try WorkspaceLock(workspace: ws)
        defer { withExtendedLifetime(lock) {} }
        let manifest = try dir.readManifest()
        guard manifest.status != .complete else { throw LabError("run \(runID) is already complete", hint: "`lab show \(runID)` shows it") }
        let outcome: ExperimentRunner.Outcome
        if manifest.experiment.search != nil {
            // A search resumes as a search (never as its base config), and not while its Slurm jobs are queued.
            let searcher = SearchRunner(workspace: ws, quiet: options.quiet, command: "lab resume \(runID)", context: context)
            outcome = try searcher.run(manifest.experiment, resuming: dir)
        } else {
            outcome = try ExperimentRunner(workspace: ws, quiet: options.quiet, command: "lab resume \(runID)",
                                           context: context).resume(dir)
        }
        switch outcome {
        case .interrupted: throw LabError("interrupted again", hint: "lab resume \(runID)")
        case .complete(_, let m): print(String(format: "run %@ complete: test accuracy %.3f (clip)", runID, m.test.clip.accuracy))
        }
    }
}
