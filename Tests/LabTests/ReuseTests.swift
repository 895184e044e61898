import ArgumentParser
import Core
import Foundation
import XCTest
@testable import Lab

/// What `lab reproduce` reuses, and what `lab predict --reproduce` trains again.
final class ReuseTests: XCTestCase {
    var root: String!
    var ws: Workspace { Workspace(root: root) }
    var notebookPath: String { root + "/reports/results.lab.md" }

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("lab-reuse-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/reports", withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: root) }

    func notebook(title: String, group: String, rate: String = "0.001") -> String {
        """
        # Reuse

        ```lab
        name: a
        title: \(title)
        data: {clips_per_genre: 4, seconds: 2}
        classes: [classical, metal]
        features: {n_mels: 16}
        segment: {seconds: 1, hop: 1}
        model: {filters: [2], dense: 4}
        training: {epochs: 1, batch_size: 8, learning_rate: \(rate)}
        repeats: 2
        ablation: \(group)
        ```
        """
    }

    func reproduce(_ text: String) throws -> (ResultsFile, String) {
        try text.write(toFile: notebookPath, atomically: true, encoding: .utf8)
        let file = try NotebookRun(workspace: ws, quiet: true, command: "t", context: engine).run(notebookPath: notebookPath,
                writeReport: true)
        return (file, try String(contentsOfFile: NotebookRun.resultsPath(notebookPath: notebookPath).replacingOccurrences(of: ".json",
                with: ".md"),
                                 encoding: .utf8))
    }

    /// Renaming a title or an ablation group re-renders the report and trains nothing; a change
    /// that alters the result (the learning rate) trains again.
    func testPresentationChangesDoNotRetrain() throws {
        let (first, _) = try reproduce(notebook(title: "First", group: "g"))
        let runs = Set(ws.runIDs())
        XCTAssertEqual(runs.count, 2)
        let (renamed, markdown) = try reproduce(notebook(title: "Renamed", group: "h"))
        XCTAssertEqual(Set(ws.runIDs()), runs, "a new title or group name must not train")
        XCTAssertTrue(markdown.contains("Renamed") && !markdown.contains("First"), markdown)
        XCTAssertEqual(renamed.experiments.map(\.title), ["Renamed", "Renamed"])
        XCTAssertEqual(renamed.experiments.map(\.test), first.experiments.map(\.test))
        XCTAssertEqual(renamed.ablations?.first?.group, "h")
        _ = try reproduce(notebook(title: "Renamed", group: "h", rate: "0.002"))
        XCTAssertEqual(ws.runIDs().count, 4, "a new learning rate trains both repeats again")
    }

    /// `lab predict --reproduce` trains a run whose weights are gone again, and the new weights give
    /// the reported run's predictions bit for bit.
    func testPredictReproduceRegeneratesTheWeights() throws {
        _ = try reproduce(notebook(title: "A", group: "g").replacingOccurrences(of: "repeats: 2\nablation: g\n", with: ""))
        let run = try XCTUnwrap(ws.runIDs().first.map(ws.run))
        try FileManager.default.removeItem(atPath: run.file("model.safetensors"))
        XCTAssertThrowsError(try ModelSource.resolve("a", notebook: "results", workspace: ws, reproduce: false, quiet: true, on: engine))
        let path = try ModelSource.resolve("a", notebook: "results", workspace: ws, reproduce: true, quiet: true, on: engine).weights
        XCTAssertNotEqual(path, run.file("model.safetensors"), "a new run")
        let again = RunDirectory(id: (path as NSString).deletingLastPathComponent.split(separator: "/").last.map(String.init) ?? "",
                                 path: (path as NSString).deletingLastPathComponent)
        XCTAssertEqual(try String(contentsOfFile: again.file("predictions.csv"), encoding: .utf8),
                       try String(contentsOfFile: run.file("predictions.csv"), encoding: .utf8))
        // Now found without --reproduce.
        XCTAssertEqual(try ModelSource.resolve("a", notebook: "results", workspace: ws, reproduce: false, quiet: true, on: engine).weights,
                       path)
    }
}
