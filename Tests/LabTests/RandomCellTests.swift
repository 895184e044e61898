import Core
import Foundation
import XCTest
@testable import Lab

/// No notebook that parses may crash the process: random notebooks of 1-4 cells, each key drawn
/// from valid, edge and invalid values, run through the real entry point (`NotebookRun`, as `lab
/// reproduce` does), either fail with one clean line or run to completion on a tiny collection. A
/// trap anywhere would end this test process. LAB_RANDOM_NOTEBOOKS sets the count (100 by default;
/// 2,000 were run locally), LAB_RANDOM_CELL_SEED the generator's seed.
final class RandomCellTests: XCTestCase {
    /// Candidate YAML values per key: ordinary ones, limits, and things that must be refused.
    static let candidates: [(key: String, values: [String])] = [
        ("features.kind", ["mel", "harmonic", "cqt"]),
        ("features.harmonics", ["1", "2", "3", "0"]),
        ("features.steps_per_semitone", ["1", "2", "9"]),
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
        ("segment.max_per_clip", ["null", "1", "2", "0"]),
        ("split.train", ["0.01", "0.5", "0.7", "1", "2"]),
        ("split.validation", ["0.01", "0.2", "0.5", "0"]),
        ("split.test", ["0.01", "0.2", "0.5", "-0.1"]),
        ("split.seed", ["0", "7", "-1"]),
        ("split.group_by", ["\"^([a-z]+)/\"", "\"[0-9]$\"", "\"([\""]),
        ("split.file", ["/nonexistent/split.csv", "\"\""]),
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
        ("classes", ["all", "[blues, jazz]", "[blues]", "[blues, nope]", "blues", "[blues, blues, metal]", "[jazz, metal]"]),
        ("augment", ["{copies: 1, noise: {snr_db: [20, 30]}}", "{copies: 1, pitch: {semitones: [-1, 1]}}",
                     "{copies: 1, stretch: {factor: [0.9, 1.1]}}", "{copies: 0, noise: {snr_db: [1, 2]}}", "{copies: 1}",
                     "{noise: {snr_db: [30, 20]}}"]),
        ("repeats", ["1", "2", "0", "101"]),
        ("resplit", ["true", "false", "perhaps"]),
        ("evaluation", ["{bootstrap_resamples: 100}", "{bootstrap_resamples: 10}", "{bootstrap_seed: 4}"]),
        ("search", ["{trials: 2, rungs: [1], space: {dropout: {uniform: [0, 0.5]}}}",
                    "{trials: 2, eta: 2, rungs: [1, 2], space: {dense: {choice: [2, 4]}, batch_size: {choice: [2, 8]}}}",
                    "{trials: 2, rungs: [1], space: {filters_scale: {choice: [0.5, 2]}}, baseline: c0}",
                    "{trials: 2, rungs: [1], space: {filters_scale: {choice: [1, 16]}, batch_size: {choice: [65536]}}}",
                    "{trials: 2, rungs: [2, 1], space: {dropout: {uniform: [0, 0.5]}}}",
                    "{trials: 2, rungs: [1], space: {}}", "{trials: 2, rungs: [1], space: {learning_rate: {log_uniform: [0, 1]}}}"]),
        ("ablation", ["g", "h"]),
        // `data` replaces the cell's collection: described by a labels file (good, one with bad rows,
        // one with several labels a clip, a missing one), with and without `split: metadata`.
        ("data", ["{path: COL, labels: COL/labels.csv}", "{path: COL, labels: COL/bad.csv}", "{path: COL, labels: COL/multi.csv}",
                  "{path: COL, labels: COL/none.csv}", "{path: COL, labels: COL/labels.csv, subset: small}", "{labels: COL/labels.csv}",
                  "{path: COL, subset: medium}"]),
        ("split.metadata", ["metadata"]),
        // Tagging: several tags a clip (multi.csv, the built-in tagging set), the top N, and what a
        // tagging cell cannot ask for (mixup, another aggregate, a search or an ablation, drawn above).
        ("task", ["tagging", "classification", "tags"]),
        ("tags", ["{top: 2}", "{top: 3}", "{top: 0}", "{bottom: 2}"]),
        ("data.tagging", ["{builtin: tagging, clips: 12, seconds: 2}", "{builtin: tagging, clips: 3}"]),
        ("training.mixup", ["0.2", "0", "-1"]),
    ]

    static var collection: String!

    override class func setUp() {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lab-random-\(UUID().uuidString)").path
        try! BuiltinCollection.write(to: dir, clipsPerGenre: 4, seconds: 2, seed: 3, genres: ["blues", "jazz", "metal"], threads: 2)
        collection = dir
        var csv = "path,labels,split\n", multi = "path,labels\n"
        for g in ["blues", "jazz", "metal"] {
            for i in 0..<4 {
                let path = "\(g)/\(BuiltinCollection.fileName(genre: g, index: i))"
                csv += "\(path),\(g),\(["train", "train", "validation", "test"][i])\n"
                multi += "\(path),\(g)\(i == 0 ? ";jazz" : "")\n"
            }
        }
        try! csv.write(toFile: dir + "/labels.csv", atomically: true, encoding: .utf8)
        try! multi.write(toFile: dir + "/multi.csv", atomically: true, encoding: .utf8)
        try! (csv + "../escape.au,blues,train\nmissing.au,jazz,test\nblues/blues.00001.au,,train\n\"unclosed,x\n")
            .write(toFile: dir + "/bad.csv", atomically: true, encoding: .utf8)
    }

    override class func tearDown() { try? FileManager.default.removeItem(atPath: collection) }

    /// One random cell named `name`: a few keys, grouped into their sections (a key drawn twice is a
    /// duplicate-key error, which is itself a case to cover).
    /// `plausible`: draw from each key's first three values, mostly valid ones, so that more
    /// notebooks get past the parser and exercise the runs, searches, repeats and ablations.
    static func cell(_ name: String, plausible: Bool, rng: inout SeededRNG) -> String {
        var sections: [String: [String]] = [:], top: [String] = ["name: \(name)", "data: \(collection!)"]
        for _ in 0..<(1 + rng.int(below: plausible ? 3 : 5)) {
            let (key, values) = candidates[rng.int(below: candidates.count)]
            let value = values[rng.int(below: plausible ? min(3, values.count) : values.count)]
            if key == "data" || key == "data.tagging" {
                top[1] = "data: " + value.replacingOccurrences(of: "COL", with: collection!)
                continue
            }
            if key == "split.metadata" { top.append("split: metadata"); continue } // with a split: section, a duplicate key
            let parts = key.split(separator: ".").map(String.init)
            if parts.count == 1 { top.append("\(key): \(value)") } else { sections[parts[0],
                                                                                   default: []].append("  \(parts[1]): \(value)") }
        }
        if sections["training"]?.contains(where: { $0.contains("epochs") }) != true { sections["training",
                default: []].append("  epochs: 1") }
        // Keep the networks tiny, so a notebook that runs takes a second, not a minute.
        if sections["model"]?.contains(where: { $0.contains("filters") }) != true { sections["model",
                default: []].append("  filters: [2]") }
        if sections["features"]?.contains(where: { $0.contains("n_mels") || $0.contains("kind") }) != true {
            sections["features", default: []].append("  n_mels: 8")
        }
        return (top + sections.keys.sorted().flatMap { ["\($0):"] + sections[$0]! }).joined(separator: "\n")
    }

    func testRandomNotebooksErrorCleanlyOrRun() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lab-random-ws-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/reports", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let ws = Workspace(root: root)
        var rng = SeededRNG(seed: UInt64(ProcessInfo.processInfo.environment["LAB_RANDOM_CELL_SEED"] ?? "") ?? 2026)
        var outcomes = ["parse error": 0, "run error": 0, "complete": 0]
        let count = Int(ProcessInfo.processInfo.environment["LAB_RANDOM_NOTEBOOKS"] ?? "") ?? 100
        for i in 0..<count {
            let plausible = rng.int(below: 2) == 0
            let cells = (0..<(1 + rng.int(below: rng.int(below: 4) == 0 ? 4 : 2))).map { Self.cell("c\($0)", plausible: plausible,
                    rng: &rng) }
            let text = "# t\n\n" + cells.map { "```lab\n\($0)\n```\n" }.joined(separator: "\nSome prose {{ c0.test.accuracy }}.\n\n")
            let path = root + "/reports/n\(i).lab.md"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            do {
                _ = try NotebookRun(workspace: ws, quiet: true, command: "test", context: engine).run(notebookPath: path, writeReport: true)
                outcomes["complete"]! += 1
            } catch let error as NotebookError {
                XCTAssertGreaterThanOrEqual(error.line, 3, "notebook \(i): \(error)")
                XCTAssertFalse(error.description.contains("\n"), "notebook \(i): not one line: \(error)")
                outcomes["parse error"]! += 1
            } catch let error as LabError {
                XCTAssertFalse(error.message.contains("\n"), "notebook \(i): not one line: \(error.message)\n\(text)")
                outcomes["run error"]! += 1
            } catch {
                XCTFail("notebook \(i): failed with \(type(of: error)), not a NotebookError or LabError: \(error)\n\(text)")
            }
            // Runs of earlier notebooks are not needed again; keep the workspace small.
            if i % 20 == 19 { try? FileManager.default.removeItem(atPath: ws.target) }
        }
        // The generator must exercise all three outcomes, or it tests less than it claims.
        print("random notebooks:", outcomes)
        XCTAssertTrue(outcomes.values.allSatisfy { $0 > 0 }, "\(outcomes)")
    }
}
