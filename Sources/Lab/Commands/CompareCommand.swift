import ArgumentParser
import Core
import Foundation

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare reports across commits, runs or the working tree, headline first (like `dvc metrics diff`).",
        discussion: """
        Each REV is a git revision (its reports/results.json is read through git), a run id (a folder \
        under target/) or `workspace` (the file on disk). Two or more give one column per revision.

        First the headline: per experiment, test clip accuracy and macro ROC-AUC with their 95% \
        intervals on each side, the change, its test and the verdict. When both sides were tested on \
        the same clips (same paths, contents and labels) the test is paired: McNemar's exact test for \
        accuracy, a paired bootstrap for ROC-AUC. Otherwise the two intervals are compared \
        (overlapping: within noise). Then what changed in the inputs: the configuration keys that \
        differ, whether the data fingerprint changed, whether the engine source changed between the \
        commits, and experiments added or removed. --all adds every metric (each split, segment and \
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
        """
    )
    @Argument(help: "Two or more revisions, oldest first (one alone is compared with the working tree).") var revisions: [String]
    @Flag(help: "Markdown, for a pull-request comment: the headline table, the input changes and the figure links.") var md = false
    @Flag(help: "JSON output (every metric with its test).") var json = false
    @Flag(help: "Every metric, not only the headline (with --json: unchanged ones too).") var all = false
    @Option(help: "Write the comparison figures (PNG) into this directory.") var png: String?

    func validate() throws {
        guard !revisions.isEmpty else { throw ValidationError("name at least one revision, e.g. `lab compare HEAD~1 HEAD`") }
        guard !(md && json) else { throw ValidationError("give one of --md or --json") }
    }

    func run() throws {
        let ws = Workspace.current
        let specs = revisions.count == 1 ? revisions + ["workspace"] : revisions
        let loaded = try specs.map { try Revision.load($0, workspace: ws) }
        if json {
            // Every pair of neighbours, every metric, machine-readable.
            struct Pair: Encodable { var a: String; var b: String; var rows: [MetricsDiff.Row] }
            let pairs = loaded.indices.dropFirst().map { i in
                Pair(a: specs[i - 1], b: specs[i], rows: MetricsDiff.rows(old: loaded[i - 1].file, new: loaded[i].file).filter { all || $0.old != $0.new })
            }
            print(String(decoding: try JSONCoding.encode(pairs.count == 1 ? AnyEncodable(pairs[0]) : AnyEncodable(pairs)), as: UTF8.self), terminator: "")
            return
        }
        let comparison = Comparison(loaded, workspace: ws)
        var out = md ? "### Headline\n\n" : ""
        out += comparison.headline(md: md)
        out += md ? "\n### What changed in the inputs\n\n" : "\nwhat changed in the inputs:\n"
        out += comparison.inputChanges(md: md) + "\n"
        if let png {
            let files = try comparison.drawFigures(into: ws.absolute(png))
            out += md ? "\n### Figures\n\n" + files.map { "![\($0)](\(png)/\($0))" }.joined(separator: "\n") + "\n"
                      : "\nfigures: " + files.map { "\(png)/\($0)" }.joined(separator: ", ") + "\n"
        }
        if all {
            for i in loaded.indices.dropFirst() {
                let rows = MetricsDiff.rows(old: loaded[i - 1].file, new: loaded[i].file).filter { $0.old != $0.new }
                out += "\n" + (md ? "### Every metric, \(specs[i - 1]) → \(specs[i])\n\n" : "every metric, \(specs[i - 1]) → \(specs[i]):\n")
                out += MetricsDiff.format(rows, md: md, json: false, a: specs[i - 1], b: specs[i]) + "\n"
            }
        }
        print(out, terminator: "")
    }
}

/// Encodes whatever it wraps (one pair, or a list of them).
struct AnyEncodable: Encodable {
    let value: Encodable
    init(_ value: Encodable) { self.value = value }
    func encode(to encoder: Encoder) throws { try value.encode(to: encoder) }
}
