import Core
import Foundation
import XCTest
@testable import Lab

/// `lab compare` and `lab log` on a git history made here: three commits of a report.
final class CompareTests: XCTestCase {
    var root: String!
    var ws: Workspace { Workspace(root: root) }

    func git(_ args: String...) throws {
        let r = Git.run(["-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"] + args, in: root)
        XCTAssertEqual(r.status, 0, r.output)
    }

    func commit(_ file: ResultsFile, _ message: String) throws {
        try JSONCoding.encode(file).write(to: URL(fileURLWithPath: root + "/reports/results.json"))
        try git("add", "reports/results.json")
        try git("commit", "-q", "-m", message)
    }

    /// c1: the committed report; c2: multi-class with a lower learning rate and other predictions;
    /// c3: an experiment added.
    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("lab-compare-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/reports", withIntermediateDirectories: true)
        try git("init", "-q")
        let base = try ResultsFile.load(Data(contentsOf: URL(fileURLWithPath: FuzzTests.repoRoot + "/reports/results.json")),
                                        source: "fixture")
        try commit(base, "c1")
        var second = base
        let m = try XCTUnwrap(second.experiments.firstIndex { $0.name == "multi-class" })
        second.experiments[m].config.training.learningRate = 0.0005
        // Every tenth clip's probabilities rotated: other predictions on the same clips.
        for (i, c) in (second.experiments[m].testClips ?? []).enumerated() where i % 10 == 0 {
            second.experiments[m].testClips![i].probabilities = Array(c.probabilities.dropFirst()) + [c.probabilities[0]]
        }
        second.experiments[m].test.clip.accuracy -= 0.04
        try commit(second, "c2")
        var third = second
        var extra = third.experiments[0]
        extra.name = "extra"
        third.experiments.append(extra)
        try commit(third, "c3")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: root) }

    func testAChangedLearningRateShowsBesideItsMetricChange() throws {
        let c = Comparison([try Revision.load("HEAD~2", workspace: ws), try Revision.load("HEAD~1", workspace: ws)], on: engine)
        let inputs = c.inputChanges(md: false)
        let expected = "`multi-class`: config: training.learning_rate: 0.001 → 0.0005, same data, tested on the same clips"
        XCTAssertTrue(inputs.contains(expected), inputs)
        XCTAssertTrue(inputs.contains("`two-class`: config unchanged"), inputs)
        let headline = c.headline(md: false)
        let row = try XCTUnwrap(headline.split(separator: "\n").first { $0.hasPrefix("multi-class") && $0.contains("accuracy") })
        XCTAssertTrue(row.hasSuffix("-0.040 (within noise, p = 0.125)"), String(row)) // McNemar exact on the rotated clips
        XCTAssertTrue(headline.split(separator: "\n").contains { $0.hasPrefix("two-class") && $0.contains("accuracy")
                && $0.hasSuffix("=") }, headline)
        // Headline only: two rows per experiment and a header, not the flat list of every metric.
        XCTAssertEqual(headline.split(separator: "\n").count, 1 + 2 * c.experiments.count)
    }

    func testAnAddedExperimentShowsAsAddedAndThreeRevisionsGiveThreeColumns() throws {
        let c = Comparison(try ["HEAD~2", "HEAD~1", "HEAD"].map { try Revision.load($0, workspace: ws) }, on: engine)
        XCTAssertTrue(c.inputChanges(md: false).contains("`extra`: added"))
        let md = c.headline(md: true)
        let header = try XCTUnwrap(md.split(separator: "\n").first)
        for rev in ["HEAD~2", "HEAD~1", "HEAD"] { XCTAssertTrue(header.contains("| \(rev) ("), String(header)) }
        let extra = try XCTUnwrap(md.split(separator: "\n").first { $0.hasPrefix("| extra | test clip accuracy") })
        XCTAssertTrue(extra.contains("| — |") && extra.contains("added"), String(extra))
    }

    func testFiguresArePNGsOfTheirSizeAndTheSameBytesTwice() throws {
        let c = Comparison(try ["HEAD~2", "HEAD~1", "HEAD"].map { try Revision.load($0, workspace: ws) }, on: engine)
        let a = try c.drawFigures(into: root + "/a"), b = try c.drawFigures(into: root + "/b")
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.count, 3 * c.experiments.count)
        for name in a {
            let x = try Data(contentsOf: URL(fileURLWithPath: root + "/a/" + name)), y = try Data(contentsOf: URL(fileURLWithPath: root
                    + "/b/" + name))
            XCTAssertEqual(x, y, name)
            XCTAssertEqual(Array(x.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], name)
            func u32(_ at: Int) -> Int { x[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
            if name.hasSuffix("_loss.png") { XCTAssertEqual([u32(16), u32(20)], [900, 480], name) }
            if name.hasSuffix("_headline.png") { XCTAssertGreaterThan(u32(20), 150, name) }
        }
    }

    func testABrokenOrMissingReportIsOneLine() throws {
        try Data("{\"notebook\": 3".utf8).write(to: URL(fileURLWithPath: root + "/reports/results.json"))
        try git("commit", "-q", "-am", "broken")
        for spec in ["HEAD", "nosuchrev", "workspace"] {
            XCTAssertThrowsError(try Revision.load(spec, workspace: ws)) { error in
                XCTAssertTrue(error is UserError, "\(error)")
                XCTAssertFalse((error as? UserError)?.message.contains("\n") ?? true, "\(error)")
            }
        }
    }
}
