import ArgumentParser
import Core
import Foundation
import XCTest
@testable import Lab

/// The recipe beyond the study as notebook keys: parsed into the config, refused in one line when
/// wrong, absent from the JSON of a cell that does not use them, and run end to end.
final class RecipeNotebookTests: XCTestCase {
    private func parse(_ cell: String) throws -> Experiment {
        try XCTUnwrap(try NotebookParser.parse("# t\n\n```lab\n\(cell)\n```\n", file: "nb.lab.md").experiments.first)
    }

    private func refusal(_ cell: String, line: UInt = #line) -> NotebookError? {
        do {
            _ = try NotebookParser.parse("# t\n\n```lab\n\(cell)\n```\n", file: "nb.lab.md")
            XCTFail("accepted: \(cell)", line: line)
        } catch let e as NotebookError {
            XCTAssertFalse(e.description.contains("\n"), "not one line: \(e)", line: line)
            return e
        } catch {
            XCTFail("not a NotebookError: \(error)", line: line)
        }
        return nil
    }

    func testEveryRecipeKeyReachesTheConfig() throws {
        let e = try parse("""
        name: r
        augment: {spec_mask: {time: [20, 2], freq: [12, 1]}}
        segment: {seconds: 3.7}
        model: {kind: short-chunk-resnet, filters: [8, 16], head: avgmax}
        training: {mixup: 0.3, weight_decay: 0.01, schedule: cosine}
        evaluation: {aggregate: mean_logits}
        """)
        XCTAssertNil(e.augment, "SpecAugment alone makes no audio copies")
        XCTAssertEqual(e.training.specMask, SpecMask(timeWidth: 20, timeCount: 2, freqWidth: 12, freqCount: 1))
        XCTAssertEqual(e.model.kind, .shortChunkResNet)
        XCTAssertEqual(e.model.head, .avgmax)
        XCTAssertEqual(e.training.mixup, 0.3)
        XCTAssertEqual(e.training.weightDecay, 0.01)
        XCTAssertEqual(e.training.schedule, .cosine)
        XCTAssertEqual(e.aggregate, .meanLogit)
        XCTAssertNil(e.bootstrap, "aggregate alone leaves the bootstrap plan at its defaults")
        XCTAssertEqual(e.inputShape.width, 159, "3.7 s at 22050 Hz, hop 512")
        let step = try parse("name: s\ntraining: {schedule: {step: {every: 10, factor: 0.5}}}\naugment: {copies: 1, noise: {snr_db: [20, "
                + "30]}, spec_mask: {time: [5, 1]}}")
        XCTAssertEqual(step.training.schedule, .step(every: 10, factor: 0.5))
        XCTAssertNotNil(step.augment)
        XCTAssertEqual(step.training.specMask, SpecMask(timeWidth: 5, timeCount: 1))
        // Spelling out the default head is the same cell as leaving it out.
        XCTAssertNil(try parse("name: f\nmodel: {head: flatten}").model.head)
        XCTAssertNil(try parse("name: m\nmodel: {kind: short-chunk-resnet, head: max}").model.head)
        XCTAssertEqual(try parse("name: a\nmodel: {head: max}").model.head, .max)
    }

    /// A cell without the new keys encodes exactly as before, so its reuse key and its records match
    /// those written before the keys existed.
    func testAPlainCellHasNoRecipeKeysInItsJSON() throws {
        let json = String(decoding: try JSONCoding.encode(try parse("name: p\nevaluation: {aggregate: mean}").reuseKey), as: UTF8.self)
        for key in ["specMask", "mixup", "weightDecay", "schedule", "aggregate", "kind", "head"] {
            XCTAssertFalse(json.contains("\"\(key)\""), "\(key) in \(json)")
        }
    }

    func testBadRecipeKeysAreOneLine() {
        let cases: [(String, String, String)] = [
            ("model: {kind: transformer}", "model.kind", "short-chunk-resnet"),
            ("model: {head: mean}", "model.head", "avgmax"),
            ("model: {kind: short-chunk-resnet, batch_norm: false}", "model.batch_norm", "always have batch norm"),
            ("training: {mixup: 0}", "training.mixup", "between"),
            ("training: {weight_decay: -1}", "training.weight_decay", "between"),
            ("training: {learning_rate: 0.5, weight_decay: 2}", "training.weight_decay", "must be below 1"),
            ("training: {schedule: linear}", "training.schedule", "cosine"),
            ("training: {schedule: {step: {every: 3}}}", "training.schedule.step", "factor"),
            ("training: {schedule: cosine, lr_decay: 0.9}", "training.lr_decay", "one of schedule and lr_decay"),
            ("augment: {spec_mask: {time: 20}}", "augment.spec_mask.time", "[max_width, count]"),
            ("augment: {spec_mask: {time: [0, 2]}}", "augment.spec_mask.time", "at least 1"),
            ("augment: {spec_mask: {}}", "augment.spec_mask", "name time"),
            ("augment: {spec_mask: {band: [3, 1]}}", "augment.spec_mask.band", "unknown key"),
            ("evaluation: {aggregate: median}", "evaluation.aggregate", "mean_logits"),
        ]
        for (yaml, key, words) in cases {
            let e = refusal("name: x\n" + yaml)
            XCTAssertEqual(e?.key, key, yaml)
            XCTAssert(e?.message.contains(words) == true, "\(yaml): \(String(describing: e))")
        }
    }

    /// The whole recipe through `lab reproduce` on a tiny collection: the run trains the ResNet with
    /// masks, mixup, AdamW and a cosine schedule, records them, aggregates clips by mean logits, and
    /// `lab predict` on a test clip repeats the run's clip probabilities bit for bit.
    func testTheRecipeRunsEndToEndAndPredictFollowsTheAggregate() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lab-recipe-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/reports", withIntermediateDirectories: true)
        try """
        # Recipe

        ```lab
        name: recipe
        data: {clips_per_genre: 5, seconds: 3}
        classes: [classical, metal, reggae]
        features: {n_mels: 32}
        segment: {seconds: 1, hop: 0.5}
        augment: {spec_mask: {time: [8, 1], freq: [6, 1]}}
        model: {kind: short-chunk-resnet, filters: [4, 8], head: avgmax, dense: 8, dropout: 0.2}
        training: {epochs: 3, batch_size: 8, patience: null, mixup: 0.4, weight_decay: 0.01, schedule: cosine}
        evaluation: {aggregate: mean_logits}
        ```
        """.write(toFile: root + "/reports/results.lab.md", atomically: true, encoding: .utf8)
        let ws = Workspace(root: root)
        let file = try NotebookRun(workspace: ws, quiet: true, command: "t",
                                   context: engine).run(notebookPath: root + "/reports/results.lab.md",
                                                                                 writeReport: true)
        let run = try XCTUnwrap(ws.runIDs().map(ws.run).first)
        let manifest = try run.readManifest()
        XCTAssertEqual(manifest.experiment.aggregate, .meanLogit)
        XCTAssertEqual(manifest.experiment.training.schedule, .cosine)
        let history = try XCTUnwrap(try XCTUnwrap(try run.readMetrics()).history)
        XCTAssertEqual(history.map { $0.learningRate }, (1...3).map { LRSchedule.cosine.rate(epoch: $0, base: 1e-3, epochs: 3) })
        let json = try String(contentsOfFile: root + "/reports/results.json", encoding: .utf8)
        XCTAssert(json.contains("\"aggregate\" : \"mean_logits\"") || json.contains("\"aggregate\":\"mean_logits\""),
                  "recorded in results.json")
        XCTAssertGreaterThan(file.experiments[0].test.clip.count, 0)
        // predict reads the aggregate from the weights' card and gives predictions.csv's numbers.
        let trained = try TrainedModel.load(path: run.file("model.safetensors"))
        XCTAssertEqual(trained.card.aggregate, .meanLogit)
        let csv = try String(contentsOfFile: run.file("predictions.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
        XCTAssertFalse(csv.isEmpty)
        for row in csv {
            let fields = row.split(separator: ",").map(String.init)
            let p = try trained.predict(file: ws.absolute(manifest.dataRoot) + "/" + fields[0], on: engine)
            XCTAssertEqual(p.clipProbabilities.map { "\($0)" }, Array(fields[2...]), fields[0])
        }
    }
}
