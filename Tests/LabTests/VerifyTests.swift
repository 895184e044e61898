import Core
import Foundation
import XCTest
@testable import Lab

/// `lab verify`'s comparison of two results.json, and `lab gc`'s choice of what to remove.
final class VerifyTests: XCTestCase {
    private func results(trainLoss: [Double], figure: String = "aa", cpu: String = "CPU A") -> Data {
        let history = trainLoss.enumerated().map { i, l in
            "{\"epoch\": \(i + 1), \"trainLoss\": \(l), \"trainAccuracy\": 0.5, \"validationLoss\": 1, \"validationAccuracy\": 0.5, "
                    + "\"learningRate\": 0.001}"
        }
        return Data("""
        {"notebook": "reports/results.lab.md", "machine": {"cpu": "\(cpu)"},
         "experiments": [{"name": "tiny", "epochsRun": \(trainLoss.count), "test": {"clip": {"confusion": [[3, 0], [1, 2]]}},
                          "history": [\(history.joined(separator: ", "))], "figures": {"roc.png": "\(figure)"}}]}
        """.utf8)
    }

    func testIdenticalReportsDifferOnlyInTheMachine() throws {
        let c = try ResultsComparison(committed: results(trainLoss: [2.5, 2.25]), rerun: results(trainLoss: [2.5, 2.25], cpu: "CPU B"))
        XCTAssertTrue(c.differences.isEmpty, "\(c.differences)")
        XCTAssertEqual(c.numbersCompared, 1 + 4 + 2 * 6) // epochsRun, the confusion matrix, two epochs of six numbers
    }

    func testFirstDifferenceHistoryAndFigureHash() throws {
        let c = try ResultsComparison(committed: results(trainLoss: [2.5, 2.25, 2.0]), rerun: results(trainLoss: [2.5, 2.2500000001, 2.1],
                figure: "bb"))
        XCTAssertEqual(c.differences.map(\.path), ["experiments[0].figures.roc.png", "experiments[0].history[1].trainLoss",
                                                   "experiments[0].history[2].trainLoss"])
        let committed = try JSONCoding.decoder.decode(ResultsFileStub.self, from: results(trainLoss: [2.5, 2.25, 2.0]))
        XCTAssertEqual(committed.experiments[0].history.count, 3)
    }

    func testALastBitDifferenceIsCaught() throws {
        let x = 0.1, y = x.nextUp
        let c = try ResultsComparison(committed: results(trainLoss: [x]), rerun: results(trainLoss: [y]))
        XCTAssertEqual(c.differences.count, 1)
        // A 63-bit seed one apart: a Double cannot tell them, the comparison must.
        let seeds = ["{\"seed\": 6802481381785729460}", "{\"seed\": 6802481381785729461}"].map { Data($0.utf8) }
        XCTAssertEqual(try ResultsComparison(committed: seeds[0], rerun: seeds[1]).differences.map(\.path), ["seed"])
        XCTAssertEqual(try ResultsComparison(committed: seeds[0], rerun: seeds[0]).differences.count, 0)
        // Foundation's JSONSerialization reads these two neighbours as one value; every neighbour
        // pair must still differ, and every number must equal itself.
        var rng = SeededRNG(seed: 9)
        for v in [0.31224845349788655] + (0..<300).map({ _ in Double(rng.next() >> 11) * 0x1p-53 * 4 }) {
            XCTAssertEqual(try ResultsComparison(committed: results(trainLoss: [v]),
                                                 rerun: results(trainLoss: [v.nextUp])).differences.count, 1, "\(v)")
            XCTAssertEqual(try ResultsComparison(committed: results(trainLoss: [v]), rerun: results(trainLoss: [v])).differences.count, 0,
                           "\(v)")
        }
    }

    func testMissingAndExtraEpochsAreDifferences() throws {
        let c = try ResultsComparison(committed: results(trainLoss: [2.5, 2.25]), rerun: results(trainLoss: [2.5]))
        XCTAssertTrue(c.differences.contains { $0.path == "experiments[0].epochsRun" })
        XCTAssertTrue(c.differences.contains { $0.path == "experiments[0].history[1]" && $0.rerun == "absent" })
    }

    /// mkdir failing for any reason but "exists" is an error naming the folder, not an endless loop.
    func testRunFolderThatCannotBeCreatedIsAnError() {
        // /proc exists, and nobody (not even root) may make a directory in it.
        XCTAssertThrowsError(try RunDirectory.create(targetDirectory: "/proc", startedAt: Date())) { e in
            XCTAssertTrue("\(e)".contains("/proc/") && "\(e)".contains("cannot create the run folder"), "\(e)")
        }
    }

    func testGarbageCollectionKeepsReferencedAndRunningRuns() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lab-gc-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let fm = FileManager.default
        try fm.createDirectory(at: root.appendingPathComponent("reports"), withIntermediateDirectories: true)
        try "![](../target/100/roc.png) and [run](../target/101-1/manifest.json)".write(
            to: root.appendingPathComponent("reports/results.md"), atomically: true, encoding: .utf8)
        try "notebook".write(to: root.appendingPathComponent("reports/results.lab.md"), atomically: true, encoding: .utf8)
        // A second notebook elsewhere: its report's runs are kept too.
        try fm.createDirectory(at: root.appendingPathComponent("studies"), withIntermediateDirectories: true)
        try "notebook".write(to: root.appendingPathComponent("studies/next.lab.md"), atomically: true, encoding: .utf8)
        try "{\"figure\": \"target/104/roc.png\"}".write(to: root.appendingPathComponent("studies/next.json"), atomically: true,
                                                         encoding: .utf8)
        // Not a report (no notebook beside it): its reference does not count.
        try "![](target/102/roc.png)".write(to: root.appendingPathComponent("notes.md"), atomically: true, encoding: .utf8)
        for (id, status) in [("100", "complete"), ("101-1", "complete"), ("102", "complete"), ("103", "running"),
                             ("104", "complete"), ("105", "interrupted")] {
            let dir = root.appendingPathComponent("target/\(id)")
            try fm.createDirectory(at: dir, withIntermediateDirectories: true)
            try "{\"status\": \"\(status)\"}".write(to: dir.appendingPathComponent("manifest.json"), atomically: true, encoding: .utf8)
        }
        try fm.createDirectory(at: root.appendingPathComponent("target/cache"), withIntermediateDirectories: true)
        XCTAssertEqual(GarbageCollection.runIDs(in: "a target/100/x target/101-1/ target/nope"), ["100", "101-1"])
        let plan = try GarbageCollection.plan(workspace: Workspace(root: root.path), includeUnfinished: false)
        XCTAssertEqual(plan.referenced, ["100", "101-1", "104"])
        XCTAssertEqual(plan.remove, ["102"])
        XCTAssertEqual(plan.keptUnfinished, ["103", "105"])
        XCTAssertEqual(try GarbageCollection.plan(workspace: Workspace(root: root.path), includeUnfinished: true).remove, ["102", "103",
                "105"])
    }
    /// The committed reports read back into their record types and write out as the same bytes: a
    /// change to a record type (one epoch record for runs and reports) cannot move a byte unseen.
    func testTheCommittedReportsRoundTripToTheSameBytes() throws {
        for name in ["results", "next-steps"] {
            let path = FuzzTests.repoRoot + "/reports/\(name).json"
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            XCTAssertEqual(try JSONCoding.encode(try ResultsFile.load(bytes, source: path)), bytes, name)
        }
    }

}

/// Just enough of results.json to read the history back.
private struct ResultsFileStub: Decodable {
    struct Entry: Decodable { var history: [EpochStub] }
    struct EpochStub: Decodable { var epoch: Int; var trainLoss: Double }
    var experiments: [Entry]
}
