import ArgumentParser
import Core
import Foundation

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare metrics between two runs, commits or the working tree (like `dvc metrics diff`).",
        discussion: """
        A and B are each a run id (a folder under target/), a git revision (its reports/results.json \
        is read through git) or `workspace` (the file on disk).

        For each changed test metric it says whether the change is outside noise. When both sides \
        were tested on the same clips (same paths, contents and labels), the test is paired: \
        McNemar's exact test for clip accuracy, a paired bootstrap over the clips for the clip-level \
        AUCs (its 95% interval of the change is printed). Otherwise the two sides' bootstrap \
        intervals are compared: overlapping intervals mean the change is within noise. The p-value \
        or interval is in --md and --json output too.

        Examples:
          lab compare HEAD~1 HEAD
          lab compare HEAD workspace --md
          lab compare 1732512345 1732519999 --json
        """
    )
    @Argument(help: "The old side.") var a: String
    @Argument(help: "The new side (default: the working tree).") var b = "workspace"
    @Flag(help: "A Markdown table.") var md = false
    @Flag(help: "JSON output.") var json = false
    @Flag(help: "Show unchanged metrics too.") var all = false

    func run() throws {
        let old = try ResultsSource.load(a), new = try ResultsSource.load(b)
        let rows = MetricsDiff.rows(old: old, new: new).filter { all || $0.old != $0.new }
        print(MetricsDiff.format(rows, md: md, json: json, a: a, b: b))
    }
}
