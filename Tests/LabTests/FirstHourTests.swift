import ArgumentParser
import Core
import Foundation
import XCTest
@testable import Lab

/// A new user's first hour with their own collection (issue 38), through the real entry point:
/// `lab init` on a collection with a broken file, a notebook with a YAML error, an input error that
/// must leave nothing behind, and the report's footer in a repository with no commit yet.
final class FirstHourTests: WorkspaceTestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        try BuiltinCollection.write(to: root + "/data", clipsPerGenre: 6, seconds: 3, seed: 5, genres: ["blues", "metal"], threads: 2)
        try Data("OggS but not really an Ogg stream".utf8).write(to: URL(fileURLWithPath: root + "/data/blues/broken.ogg"))
    }

    func lab(_ args: [String]) throws -> (out: String, err: String) {
        var command = try LabCommand.parseAsRoot(args + ["-C", root])
        var out = ""
        let err = try captureStandardError { out = try captureStandardOutput { try command.run() } }
        return (out, err)
    }

    /// init names the broken file, writes .gitignore, and the notebook holds no absolute path; the
    /// run says on the terminal what it skipped; the footer of a repository with no commit says so.
    func testInitOnABrokenCollectionThenReproduceInAFreshRepository() throws {
        try git("init", "-q")
        let initOut = try lab(["init", "reports/mine.lab.md", "--data", "data", "--quiet"]).out
        XCTAssertTrue(initOut.contains("2 classes, 12 usable clips"), initOut)
        XCTAssertTrue(initOut.contains("skipped 1 file: blues/broken.ogg (not readable as audio"), initOut)
        XCTAssertTrue(initOut.contains("wrote .gitignore"), initOut)
        let ignore = try String(contentsOfFile: root + "/.gitignore", encoding: .utf8)
        for entry in ["*.safetensors", "target/cache/", "target/data/"] { XCTAssertTrue(ignore.contains("\n\(entry)\n"), ignore) }
        let notebook = try String(contentsOfFile: root + "/reports/mine.lab.md", encoding: .utf8)
        XCTAssertTrue(notebook.contains("\ndata: data\n"), notebook)
        XCTAssertFalse(notebook.contains(root), "the notebook holds the workspace's absolute path")
        // A second init keeps the .gitignore as it is.
        let again = try lab(["init", "reports/other.lab.md", "--data", "data", "--quiet"]).out
        XCTAssertFalse(again.contains("wrote .gitignore") || again.contains("to .gitignore"), again)
        try FileManager.default.removeItem(atPath: root + "/reports/other.lab.md")

        // Keep the run small: one cell, two epochs.
        let small = notebook.components(separatedBy: "## All classes")[0]
            .replacingOccurrences(of: "filters: [32, 64, 128], dropout: 0.3, dense: 64", with: "filters: [4], dropout: 0.3, dense: 8")
            .replacingOccurrences(of: "epochs: 15", with: "epochs: 2")
        try small.write(toFile: root + "/reports/mine.lab.md", atomically: true, encoding: .utf8)
        let run = try lab(["reproduce", "reports/mine.lab.md"])
        XCTAssertTrue(run.err.contains("skipped 1 file: blues/broken.ogg (not readable as audio"), run.err)
        XCTAssertTrue(run.err.contains("all are listed in target/"), run.err)
        let report = try String(contentsOfFile: root + "/reports/mine.md", encoding: .utf8)
        XCTAssertTrue(report.contains("- Commit: none yet (the notebook is not committed yet)"), report)
        // Two classes: one ROC-AUC, as scikit-learn's binary roc_auc_score, not the same number three times.
        XCTAssertTrue(report.contains("| `metal` vs `blues` |"), report)
        XCTAssertFalse(report.contains("| **macro** |") || report.contains("| blues |"), report)
    }

    /// An unclosed `{`: one line with the notebook's own line and column and libyaml's reason.
    func testAYAMLErrorPointsAtTheNotebooksLine() throws {
        let text = ["# T", "", "Some prose.", "", "```lab", "name: a", "data: {clips_per_genre: 2, seconds: 3", "classes: all", "```", ""]
        try text.joined(separator: "\n").write(toFile: root + "/reports/yaml.lab.md", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try lab(["reproduce", "reports/yaml.lab.md", "--quiet"])) { error in
            let message = "\(error)"
            XCTAssertFalse(message.contains("\n"), message)
            XCTAssertTrue(message.hasSuffix("reports/yaml.lab.md:8:8: not valid YAML: did not find expected ',' or '}' "
                                           + "(while parsing a flow mapping, which starts at line 7, column 7)"), message)
        }
    }

    /// A class typo and a missing data folder are found before training: nothing is left in target/
    /// (no failed run for `lab runs`) and no empty figure folder in reports/.
    func testAnInputErrorLeavesNothingBehind() throws {
        for (name, data, classes, expected) in [("typo", "data", "[blues, metl]", "metl"), ("gone", "nowhere", "all", "nowhere")] {
            let text = "# T\n\n```lab\nname: a\ndata: \(data)\nclasses: \(classes)\n```\n"
            try text.write(toFile: root + "/reports/\(name).lab.md", atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try lab(["reproduce", "reports/\(name).lab.md", "--quiet"])) { XCTAssertTrue("\($0)".contains(expected),
                    "\($0)") }
            XCTAssertEqual(RunStore(workspace: Workspace(root: root)).ids, [], name)
            XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/reports/figures/\(name)"), name)
        }
    }

    /// `lab init` in a new folder below an existing workspace starts a workspace there, as `git
    /// init` does; from the workspace's own reports/ it adds a notebook to that workspace.
    func testInitStartsItsWorkspaceWhereTheUserStands() throws {
        try "# N\n".write(toFile: root + "/reports/existing.lab.md", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: root + "/projects/new", withIntermediateDirectories: true)
        var command = try LabCommand.parseAsRoot(["init", "reports/mine.lab.md", "--data", "../../data", "--quiet",
                                                  "-C", root + "/projects/new"])
        _ = try captureStandardOutput { try command.run() }
        XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/projects/new/.gitignore"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/.gitignore"), "the enclosing workspace was changed")
        let notebook = try String(contentsOfFile: root + "/projects/new/reports/mine.lab.md", encoding: .utf8)
        XCTAssertTrue(notebook.contains("data: \"../../data\"\n"), notebook)
        command = try LabCommand.parseAsRoot(["init", "second.lab.md", "--data", "../data", "--quiet", "-C", root + "/reports"])
        _ = try captureStandardOutput { try command.run() }
        XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/reports/second.lab.md"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/.gitignore"))
    }

    func testTheDataPathIsPortable() {
        let ws = Workspace(root: "/w/project")
        XCTAssertEqual(StarterNotebook.portable("/w/project/data/set", typed: "/w/project/data/set", workspace: ws), "data/set")
        XCTAssertEqual(StarterNotebook.portable("/w/project", typed: ".", workspace: ws), ".")
        XCTAssertEqual(StarterNotebook.portable("/w/soundtracks", typed: "../soundtracks", workspace: ws), "../soundtracks")
        XCTAssertEqual(StarterNotebook.portable(NSHomeDirectory() + "/datasets/x", typed: "~/datasets/x", workspace: ws), "~/datasets/x")
        XCTAssertEqual(StarterNotebook.portable(NSHomeDirectory() + "/datasets/x", typed: NSHomeDirectory() + "/datasets/x", workspace: ws),
                       "~/datasets/x")
        XCTAssertEqual(StarterNotebook.portable("/srv/gtzan", typed: "/srv/gtzan", workspace: ws), "/srv/gtzan")
    }
}
