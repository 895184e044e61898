import Core
import Foundation
import XCTest
@testable import Lab

/// No cell that parses may crash the process: random cells, each key drawn from valid, edge and
/// invalid values, either fail with one clean error (naming the line and key for a parse error) or
/// run to completion on a tiny collection. A trap anywhere would end this test process.
final class RandomCellTests: XCTestCase {
    /// Candidate YAML values per key: ordinary ones, limits, and things that must be refused.
    static let candidates: [(key: String, values: [String])] = [
        ("features.sr", ["8000", "11025", "22050", "999", "400000", "abc"]),
        ("features.n_fft", ["16", "256", "1024", "15", "70000", "[1]"]),
        ("features.hop_length", ["64", "256", "4096", "0", "-1"]),
        ("features.n_mels", ["1", "4", "16", "40", "0", "2000"]),
        ("features.fmin", ["0", "100", "5000", "-1", "nan"]),
        ("features.fmax", ["1", "2000", "8000", "20000", "0"]),
        ("features.top_db", ["null", "20", "80", "0"]),
        ("features.mel_scale", ["slaney", "htk", "bark"]),
        ("segment.seconds", ["0.05", "0.2", "0.5", "1", "2.5", "100", "0"]),
        ("segment.hop", ["0.01", "0.1", "0.5", "3", "0"]),
        ("segment.tail", ["drop", "pad", "keep"]),
        ("split.train", ["0.01", "0.5", "0.7", "1", "2"]),
        ("split.validation", ["0.01", "0.2", "0.5", "0"]),
        ("split.test", ["0.01", "0.2", "0.5", "-0.1"]),
        ("split.seed", ["0", "7", "-1"]),
        ("model.filters", ["[2]", "[2, 3]", "[1, 1, 1]", "[]", "[0]", "[2, 2, 2, 2, 2, 2, 2]", "7"]),
        ("model.dense", ["1", "4", "0", "100000"]),
        ("model.dropout", ["0", "0.5", "0.95", "0.96", "-0.1"]),
        ("model.batch_norm", ["true", "false", "maybe"]),
        ("training.epochs", ["1", "2", "0"]),
        ("training.batch_size", ["1", "3", "64", "0", "100000"]),
        ("training.learning_rate", ["0.001", "0.1", "5", "0"]),
        ("training.optimizer", ["adam", "sgd", "rmsprop"]),
        ("training.momentum", ["0", "0.9", "1.5"]),
        ("training.patience", ["null", "1", "0"]),
        ("training.lr_decay", ["1", "0.5", "0"]),
        ("classes", ["all", "[blues, jazz]", "[blues]", "[blues, nope]", "blues"]),
    ]

    static var collection: String!

    override class func setUp() {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lab-random-\(UUID().uuidString)").path
        try! BuiltinCollection.write(to: dir, clipsPerGenre: 4, seconds: 2, seed: 3, genres: ["blues", "jazz", "metal"])
        collection = dir
    }

    override class func tearDown() { try? FileManager.default.removeItem(atPath: collection) }

    func testRandomCellsErrorCleanlyOrRun() throws {
        let ws = Workspace(root: FileManager.default.temporaryDirectory.appendingPathComponent("lab-random-ws-\(UUID().uuidString)").path)
        defer { try? FileManager.default.removeItem(atPath: ws.root) }
        var rng = SeededRNG(seed: UInt64(ProcessInfo.processInfo.environment["LAB_RANDOM_CELL_SEED"] ?? "") ?? 2026)
        var outcomes = ["parse error": 0, "run error": 0, "complete": 0]
        for i in 0..<(Int(ProcessInfo.processInfo.environment["LAB_RANDOM_CELLS"] ?? "") ?? 80) {
            // A few keys per cell, grouped into their sections.
            var sections: [String: [String]] = [:], top: [String] = ["name: c\(i)", "data: \(Self.collection!)"]
            for _ in 0..<(1 + rng.int(below: 5)) {
                let (key, values) = Self.candidates[rng.int(below: Self.candidates.count)]
                let value = values[rng.int(below: values.count)]
                let parts = key.split(separator: ".").map(String.init) // a key drawn twice is a duplicate-key error
                if parts.count == 1 { top.append("\(key): \(value)") } else { sections[parts[0], default: []].append("  \(parts[1]): \(value)") }
            }
            if sections["training"]?.contains(where: { $0.contains("epochs") }) != true { sections["training", default: []].append("  epochs: 1") }
            let cell = (top + sections.keys.sorted().flatMap { ["\($0):"] + sections[$0]! }).joined(separator: "\n")
            let notebook: Notebook
            do {
                notebook = try NotebookParser.parse("# t\n\n```lab\n\(cell)\n```\n", file: "nb.lab.md")
            } catch let error as NotebookError {
                XCTAssertGreaterThanOrEqual(error.line, 4, "cell \(i): \(error)")
                XCTAssertFalse(error.description.contains("\n"), "cell \(i): not one line: \(error)")
                outcomes["parse error"]! += 1
                continue
            } catch {
                XCTFail("cell \(i): parse failed with \(type(of: error)), not a NotebookError: \(error)\n\(cell)")
                continue
            }
            guard let experiment = notebook.experiments.first else { XCTFail("cell \(i) vanished"); continue }
            do {
                _ = try ExperimentRunner(workspace: ws, quiet: true, command: "test").run(experiment)
                outcomes["complete"]! += 1
            } catch let error as LabError {
                XCTAssertFalse(error.message.contains("\n"), "cell \(i): not one line: \(error.message)")
                outcomes["run error"]! += 1
            } catch {
                XCTFail("cell \(i): run failed with \(type(of: error)), not a LabError: \(error)\n\(cell)")
            }
        }
        // The generator must exercise all three outcomes, or it tests less than it claims.
        print("random cells:", outcomes)
        XCTAssertTrue(outcomes.values.allSatisfy { $0 > 0 }, "\(outcomes)")
    }
}
