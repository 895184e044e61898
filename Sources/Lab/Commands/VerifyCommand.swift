import ArgumentParser
import Core
import Foundation

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Rerun the notebook and check every number and figure against the committed report, bit for bit.",
        discussion: """
        Reads the committed report's results.json (HEAD's, or the file on disk with --against workspace) and reruns the \
        notebook in a scratch directory, so no run folder appears under target/ and the report is not touched. Every \
        number of results.json is compared: counts, epochs, each epoch's history, confusion matrices, every accuracy and \
        ROC-AUC, and the SHA-256 of every figure. Only the description of the machine that wrote the report is left out.

        On a mismatch it prints the first differing number, the first epoch at which each training history diverges, \
        and the CPU, OS, toolchain and library versions of the committed report and of the rerun, then exits 1. \
        This is what a CI job calls to prove the committed report still reproduces on its machine.

        Examples:
          lab verify
          lab verify next-steps.lab.md --against workspace
          lab verify --keep        # keep the scratch runs for inspection
        """
    )
    @Argument(help: "`results`, `next-steps` (reports/NAME.lab.md) or a notebook path.") var notebook = "results"
    @Option(help: "What to check against: a git revision or `workspace`.") var against = "HEAD"
    @OptionGroup var options: RunOptions
    @Flag(help: "Keep the scratch directory with the rerun's runs, and print its path.") var keep = false

    func run() throws {
        try Verification.verify(notebook: notebook, against: against, keep: keep, workspace: options.workspace, quiet: options.quiet,
                           context: try options.context())
    }
}
