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
        options.apply()
        StopSignal.install()
        let ws = Workspace.current
        let dir = ws.run(runID)
        let lock = try WorkspaceLock(workspace: ws)
        defer { withExtendedLifetime(lock) {} }
        let runner = ExperimentRunner(workspace: ws, quiet: options.quiet, command: "lab resume \(runID)")
        switch try runner.resume(dir) {
        case .interrupted: throw LabError("interrupted again", hint: "lab resume \(runID)")
        case .complete(_, let m): print(String(format: "run %@ complete: test accuracy %.3f (clip)", runID, m.test.clip.accuracy))
        }
    }
}
