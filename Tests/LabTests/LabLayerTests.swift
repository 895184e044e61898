import ArgumentParser
import Core
import Foundation
import XCTest
@testable import Lab

/// What a new user hit with a notebook of their own name (issue 36): compare and log on any
/// notebook, predict choosing the right run, gc and committed reports, the workspace found from a
/// subfolder, and a `group_by` that matches nothing. Each test failed before its fix.
final class LabLayerTests: WorkspaceTestCase {
    func write(_ text: String, _ path: String) throws {
        try FileManager.default.createDirectory(atPath: ((root + "/" + path) as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try text.write(toFile: root + "/" + path, atomically: true, encoding: .utf8)
    }

    func output(_ command: ParsableCommand.Type, _ args: [String]) throws -> String {
        var parsed = try command.parseAsRoot(args)
        return try captureStandardOutput { try parsed.run() }
    }

    /// Two commits of reports/soundtracks.json, the workspace's only notebook: compare and log follow
    /// it without being told, --notebook names it, and --json is a list for two revisions as for three.
    func testCompareAndLogFollowTheWorkspacesOwnNotebook() throws {
        try git("init", "-q")
        try write("# Soundtracks\n", "reports/soundtracks.lab.md")
        let fixture = try ResultsFile.load(Data(contentsOf: URL(fileURLWithPath: FuzzTests.repoRoot + "/reports/results.json")),
                                        source: "fixture")
        var base = fixture
        base.engine = "lab 0.1.0 aaaa"
        var second = base
        second.experiments[0].test.clip.accuracy -= 0.1
        second.engine = "lab 0.1.0 bbbb"
        for (i, file) in [base, second].enumerated() {
            try JSONCoding.encode(file).write(to: URL(fileURLWithPath: root + "/reports/soundtracks.json"))
            try git("add", "reports")
            try git("commit", "-q", "-m", "c\(i)")
        }
        let text = try output(CompareCommand.self, ["HEAD~1", "HEAD", "-C", root])
        XCTAssertTrue(text.contains("test clip accuracy") && text.contains(base.experiments[0].name), text)
        // The engine identity each report records, not a diff of some source folders.
        XCTAssertTrue(text.contains("engine: changed (lab 0.1.0 aaaa → lab 0.1.0 bbbb)"), text)
        XCTAssertEqual(text, try output(CompareCommand.self, ["HEAD~1", "HEAD", "-C", root, "--notebook", "soundtracks"]))
        let log = try output(LogCommand.self, ["-C", root]).split(separator: "\n")
        XCTAssertEqual(log.count, 2, log.joined(separator: "\n"))
        XCTAssertTrue(log[0].hasSuffix("c1") && log[1].hasSuffix("c0"), log.joined(separator: "\n"))
        for revisions in [["HEAD~1", "HEAD"], ["HEAD~1", "HEAD", "workspace"]] {
            let json = try output(CompareCommand.self, revisions + ["-C", root, "--json"])
            let pairs = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]], json)
            XCTAssertEqual(pairs.count, revisions.count - 1)
            XCTAssertEqual(pairs.first?["a"] as? String, "HEAD~1")
        }
        // A second notebook without `results` among them: which report is a question, not a guess.
        try write("# Other\n", "reports/other.lab.md")
        XCTAssertThrowsError(try output(CompareCommand.self, ["HEAD~1", "HEAD", "-C", root])) {
            XCTAssertTrue("\($0)".contains("2 notebooks") && "\($0)".contains("--notebook"), "\($0)")
        }
        XCTAssertThrowsError(try output(CompareCommand.self, ["HEAD~1", "HEAD", "-C", root, "--notebook", "other"])) {
            XCTAssertTrue("\($0)".contains("reports/other.json"), "\($0)")
        }
    }

    /// From inside reports/ (or deeper), the workspace is the folder above, as git finds its repository.
    func testTheWorkspaceIsFoundUpwardFromASubfolder() throws {
        try write("# N\n", "reports/mine.lab.md")
        XCTAssertEqual(Workspace.find(from: root + "/reports/figures").root, (root as NSString).standardizingPath)
        XCTAssertEqual(Workspace.find(from: root + "/reports/figures").here, (root + "/reports/figures" as NSString).standardizingPath)
        let elsewhere = FileManager.default.temporaryDirectory.appendingPathComponent("lab-none-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: elsewhere) }
        XCTAssertEqual(Workspace.find(from: elsewhere).root, (elsewhere as NSString).standardizingPath)
        // `lab runs` from reports/ sees the workspace's runs.
        try write("{\"status\": \"complete\"}", "target/100/manifest.json")
        try write("", "target/.lock")
        let listed = try output(RunsCommand.self, ["-C", root + "/reports"])
        XCTAssertFalse(listed.contains("no runs"), listed)
        // A notebook path typed from reports/ as from the root is still found.
        let ws = Workspace.find(from: root + "/reports")
        XCTAssertEqual(NotebookRun.notebookPath("reports/mine.lab.md", workspace: ws),
                       (root + "/reports/mine.lab.md" as NSString).standardizingPath)
        XCTAssertEqual(NotebookRun.notebookPath("mine.lab.md", workspace: ws),
                       (root + "/reports/mine.lab.md" as NSString).standardizingPath)
    }

    /// gc keeps what HEAD's report references even when the working tree's report moved on, and
    /// never deletes a run folder git tracks unless told to.
    func testGCKeepsCommittedReferencesAndTrackedRuns() throws {
        try git("init", "-q")
        try write("# N\n", "reports/mine.lab.md")
        for id in ["100", "101", "102", "103"] { try write("{\"status\": \"complete\"}", "target/\(id)/manifest.json") }
        try write("![](../target/100/roc.png)\n", "reports/mine.md")
        try git("add", "reports", "target/102/manifest.json")
        try git("commit", "-q", "-m", "report on run 100")
        try write("![](../target/101/roc.png)\n", "reports/mine.md") // regenerated, not committed yet
        let plan = try GarbageCollection.plan(workspace: Workspace(root: root), includeUnfinished: false)
        XCTAssertEqual(plan.referenced, ["101"])
        XCTAssertEqual(plan.keptCommitted.map(\.id), ["100"])
        XCTAssertEqual(plan.keptCommitted.first?.by, "HEAD:reports/mine.md")
        XCTAssertEqual(plan.keptTracked, ["102"])
        XCTAssertEqual(plan.remove, ["103"])
        let printed = try output(GCCommand.self, ["--dry-run", "-C", root + "/reports"])
        XCTAssertTrue(printed.contains("would remove target/103")
                && printed.contains("kept target/100: referenced by the committed report"), printed)
        XCTAssertEqual(try GarbageCollection.plan(workspace: Workspace(root: root), includeUnfinished: false, includeTracked: true).remove,
                       ["102", "103"])
        // With --all-commits, an older commit's report counts too.
        try git("commit", "-q", "-am", "report on run 101")
        try write("no runs\n", "reports/mine.md")
        try git("commit", "-q", "-am", "report on nothing")
        XCTAssertEqual(try GarbageCollection.plan(workspace: Workspace(root: root), includeUnfinished: false).remove, ["100", "101", "103"])
        XCTAssertEqual(try GarbageCollection.plan(workspace: Workspace(root: root), includeUnfinished: false, allCommits: true).remove,
                       ["103"])
    }

    /// A pattern that matches no path is an error (the split would be by clip); one that leaves some
    /// paths unmatched says which, and how many groups there are.
    func testGroupByThatMatchesNothingIsAnErrorAndPartialMatchesAreListed() throws {
        let paths = ["a/x__1.wav", "a/x__2.wav", "a/y__1.wav", "b/z.wav"]
        XCTAssertThrowsError(try GroupSummary.keys(paths, pattern: "^nomatch/(.+)$")) {
            XCTAssertTrue("\($0)".contains("matches none of the 4 clip paths"), "\($0)")
        }
        let (key, summary) = try GroupSummary.keys(paths, pattern: "^[^/]+/(.+?)__[0-9]+\\.wav$")
        XCTAssertEqual(key["a/x__2.wav"], "x")
        XCTAssertEqual(summary.groups, 3) // x, y, and b/z.wav on its own
        XCTAssertEqual(summary.unmatched, ["b/z.wav"])
    }

    /// Within one notebook run the reuse check and the data step share one scan: each file is hashed
    /// once. Outside one (a new run), the collection is scanned afresh.
    func testACollectionIsScannedOncePerNotebookRun() throws {
        try BuiltinCollection.write(to: root + "/data", clipsPerGenre: 2, seconds: 2, seed: 3, genres: ["blues", "metal"], threads: 2)
        let ws = Workspace(root: root).scanningOnce()
        let first = try ws.scan(root: root + "/data", classes: nil)
        // A copy of the workspace (as ExperimentRunner holds) shares the scans.
        let copy = ws
        try FileManager.default.removeItem(atPath: root + "/data/metal/metal.00001.au")
        try FileManager.default.copyItem(atPath: root + "/data/metal/metal.00000.au", toPath: root + "/data/metal/metal.00001.au")
        XCTAssertEqual(try copy.scan(root: root + "/data", classes: nil).fingerprint, first.fingerprint, "scanned again")
        XCTAssertNotEqual(try Workspace(root: root).scan(root: root + "/data", classes: nil).fingerprint, first.fingerprint)
    }

    /// Newest first, by start time then same-second counter, as numbers: a later second is newer
    /// than an earlier second's second run.
    func testRunsAreNewestFirstByTheirTimes() {
        XCTAssertEqual(RunStore.newestFirst(["1700000000", "1700000000-1", "1700000005", "1700000000-10", "cache", "data"]),
                       ["1700000005", "1700000000-10", "1700000000-1", "1700000000"])
    }

    /// The upward search stops at the top of the git repository it starts in: an unrelated folder
    /// above with a `reports/*.lab.md` is not this project's workspace.
    func testTheUpwardSearchStopsAtTheRepositorysTop() throws {
        try write("# N\n", "reports/outer.lab.md")
        try FileManager.default.createDirectory(atPath: root + "/project/sub", withIntermediateDirectories: true)
        XCTAssertEqual(Git.run(["init", "-q"], in: root + "/project").status, 0)
        XCTAssertEqual(Workspace.find(from: root + "/project/sub").root, (root + "/project/sub" as NSString).standardizingPath)
        try write("# N\n", "project/reports/inner.lab.md")
        XCTAssertEqual(Workspace.find(from: root + "/project/sub").root, (root + "/project" as NSString).standardizingPath)
    }
}
