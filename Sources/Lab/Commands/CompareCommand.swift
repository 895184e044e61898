import ArgumentParser
import Core
import Foundation

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare reports across commits, runs or the working tree, headline first (like `dvc metrics diff`).",
        discussion: """
        Each REV is a git revision (its report is read through git), a run id (a folder under target/) \
        or `workspace` (the file on disk). Two or more give one column per revision. The report is the \
        notebook's: --notebook names it (`results`, `next-steps` or a .lab.md path); by default it is \
        the workspace's only notebook, or reports/results.lab.md.

        First the headline: per experiment, test clip accuracy and macro ROC-AUC with their 95% \
        intervals on each side, the change, its test and the verdict. When both sides were tested on \
        the same clips (same paths, contents and labels) the test is paired: McNemar's exact test for \
        accuracy, a paired bootstrap for ROC-AUC. Otherwise the two intervals are compared \
        (overlapping: within noise). A tagging experiment's headline is its macro ROC-AUC and PR-AUC \
        (paired bootstrap over the same clips and tags), followed by the tags whose ROC-AUC moved most. \
        Then what changed in the inputs: the configuration keys that \
        differ, whether the data fingerprint changed, whether the engine changed (the executable's hash \
        each report records, as `lab reproduce` decides reuse), and experiments added or removed. --all adds \
        every metric (each split, segment and \
        clip level, per-class AUC) as before.

        --png DIR draws, per experiment, every revision's training and validation loss overlaid \
        (from the histories in each results.json), the test ROC curves overlaid and the headline \
        metrics with their intervals per revision, with lab's own Plot library: no browser, no Node.

        Examples:
          lab compare HEAD~1 HEAD
          lab compare HEAD~2 HEAD~1 HEAD
          lab compare HEAD workspace --md --png reports/compare > compare.md
          lab compare 1732512345 1732519999 --json
          lab compare HEAD~1 HEAD --all
          lab compare HEAD~1 HEAD --notebook reports/soundtracks.lab.md
        """
    )
    @Argument(help: "Two or more revisions, oldest first (one alone is compared with the working tree).") var revisions: [String]
    @Flag(help: "Markdown, for a pull-request comment: the headline table, the input changes and the figure links.") var md = false
    @Flag(help: "JSON output: a list of revision pairs, each with every metric and its test.") var json = false
    @Flag(help: "Every metric, not only the headline (with --json: unchanged ones too).") var all = false
    @Option(help: "Write the comparison figures (PNG) into this directory.") var png: String?
    @Option(help: "The notebook whose report to compare (default: the only one, or `results`).") var notebook: String?

    func validate() throws {
        guard !revisions.isEmpty else { throw ValidationError("name at least one revision, e.g. `lab compare HEAD~1 HEAD`") }
        guard !(md && json) else { throw ValidationError("give one of --md or --json") }
    }

    @OptionGroup var place: WorkspaceOption

    func run() throws {
        let ws = place.workspace
        let specs = revisions.count == 1 ? revisions + ["workspace"] : revisions
        let report = try ws.report(notebook: notebook)
        let comparison = Comparison(try specs.map { try Revision.load($0, results: report, workspace: ws) }, everyTest: all || json,
                                    on: try ExecutionContext.fromEnvironment(threads: RunOptions.defaultThreads))
        if json {
            print(String(decoding: try JSONCoding.encode(comparison.pairs(revisions: specs, all: all)), as: UTF8.self), terminator: "")
            return
        }
        print(try comparison.text(revisions: specs, md: md, all: all, figures: png.map { (ws.userPath($0), $0) }), terminator: "")
    }
}
