import Foundation
import XCTest
@testable import Core

/// The built-in tagging collection: a pure function of its seed, written the same on any thread
/// count, read back by the metadata reader, and each tag really changing the sound.
final class BuiltinTaggingCollectionTests: XCTestCase {
    func testWrittenTheSameOnAnyThreadCountAndReadBack() throws {
        let dir = try makeTempDir(self, "tagging")
        let (a, b) = (dir.appendingPathComponent("a").path, dir.appendingPathComponent("b").path)
        try BuiltinTaggingCollection.write(to: a, clips: 12, seconds: 2, threads: 1)
        try BuiltinTaggingCollection.write(to: b, clips: 12, seconds: 2, threads: 3)
        for name in ["labels.csv"] + (0..<12).map(BuiltinTaggingCollection.fileName) {
            XCTAssertEqual(FileManager.default.contents(atPath: a + "/" + name), FileManager.default.contents(atPath: b + "/" + name), name)
        }
        let c = try MetadataCollection.load(labels: a + "/labels.csv", root: a)
        XCTAssertEqual(c.layout, .generic)
        XCTAssertEqual(c.items.count, 12)
        XCTAssertTrue(c.skipped.isEmpty)
        XCTAssertTrue(c.items.allSatisfy { $0.tags.count >= 1 && Set($0.tags).isSubset(of: BuiltinTaggingCollection.tags) })
        XCTAssertEqual(c.items.map(\.tags), (0..<12).map { BuiltinTaggingCollection.clip(index: $0, seconds: 2, seed: 1).tags })
    }

    /// Several tags a clip, overlapping; rare tags (swing, distorted) rarer than common ones.
    func testTagFrequencies() {
        let tags = (0..<400).map { BuiltinTaggingCollection.draw(index: $0, seed: 1).tags }
        let mean = Double(tags.map(\.count).reduce(0, +)) / 400
        XCTAssertGreaterThan(mean, 2.5)
        func share(_ t: String) -> Double { Double(tags.filter { $0.contains(t) }.count) / 400 }
        XCTAssertTrue((0.03...0.2).contains(share("swing")) && (0.05...0.25).contains(share("distorted")), "\(share("swing"))")
        XCTAssertGreaterThan(share("drums"), 0.45)
        XCTAssertTrue(BuiltinTaggingCollection.tags.allSatisfy { share($0) > 0 }, "every tag occurs")
    }

    /// The tags are what the clip sounds like: clips with a bass line hold more of their energy below
    /// ~150 Hz, clips with drums more above ~5 kHz (the hats), than clips without.
    func testTagsShapeTheSound() {
        func shares(_ x: [Float]) -> (low: Double, high: Double) {
            // Low band: a one-pole low-pass at ~150 Hz (22050 Hz); high band: the first difference, a
            // high-pass whose gain rises with frequency.
            var lp = 0.0, lowE = 0.0, highE = 0.0, total = 0.0
            for (i, v) in x.map(Double.init).enumerated() {
                lp += 0.042 * (v - lp)
                lowE += lp * lp
                total += v * v
                if i > 0 { let d = v - Double(x[i - 1]); highE += d * d }
            }
            return (lowE / max(total, 1e-12), highE / max(total, 1e-12))
        }
        var withBass: [Double] = [], without: [Double] = [], withDrums: [Double] = [], noDrums: [Double] = []
        for i in 0..<40 {
            let (x, tags) = BuiltinTaggingCollection.clip(index: i, seconds: 3, seed: 7)
            let s = shares(x)
            if tags.contains("bass") { withBass.append(s.low) } else { without.append(s.low) }
            if tags.contains("drums") { withDrums.append(s.high) } else { noDrums.append(s.high) }
        }
        func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(max(1, v.count)) }
        XCTAssertFalse(withBass.isEmpty || without.isEmpty || withDrums.isEmpty || noDrums.isEmpty)
        XCTAssertGreaterThan(mean(withBass), 1.3 * mean(without), "low-band share with and without bass")
        XCTAssertGreaterThan(mean(withDrums), 1.3 * mean(noDrums), "high-band share with and without drums")
    }
}

/// The tagging pipeline below the notebook: the built-in tagging collection read through its labels
/// file, prepared into multi-hot segments, trained with binary cross-entropy, and evaluated.
final class TaggingPipelineTests: XCTestCase {
    func testPrepareAndTrainOnTheBuiltinTaggingCollection() throws {
        let dir = try makeTempDir(self, "tagging-pipeline")
        let data = dir.appendingPathComponent("data").path
        try BuiltinTaggingCollection.write(to: data, clips: 48, seconds: 2, seed: 4, threads: 2)
        let described = try MetadataCollection.load(labels: data + "/labels.csv", root: data)
        let collection = try described.audioCollection(on: engine, tagging: true)
        XCTAssertEqual(collection.classes, described.tags)
        XCTAssertTrue(collection.clips.allSatisfy { ($0.tags?.count ?? 0) >= 1 && $0.tags?.first == $0.classIndex })
        var features = FeatureParams()
        features.nMels = 16
        let plan = DataPlan(root: data, classes: nil, features: features, segmentSeconds: 1,
                            segment: .seconds(1, hop: 1, params: features), split: SplitFractions(train: 0.6, validation: 0.2, test: 0.2),
                            splitSeed: 1)
        let prepared = try PreparedData.prepare(plan, cacheDirectory: dir.appendingPathComponent("cache").path, collection: collection,
                                                on: engine)
        let k = collection.classes.count
        for (d, clips, index) in [(prepared.validation, prepared.split.validation, prepared.validationClips),
                                  (prepared.test, prepared.split.test, prepared.testClips)] {
            XCTAssertTrue(d.isTagging)
            let tags = try XCTUnwrap(d.tags)
            // Each segment's row is its clip's tags, exactly.
            for (s, c) in index.enumerated() {
                let row = (0..<k).filter { tags[s * k + $0] }
                XCTAssertEqual(row, clips[c].tags!.sorted(), "segment \(s)")
            }
        }
        let model = Trainer.initialModel(config: ModelConfig(inputHeight: 16, inputWidth: prepared.train.width, filters: [4, 8],
                                                             dropout: 0, denseUnits: 16, classes: k), seed: 2)
        let trainer = Trainer(model: model, config: TrainConfig(epochs: 3, batchSize: 8, learningRate: 3e-3, patience: nil),
                              context: engine)
        let result = try trainer.fit(train: prepared.train, validation: prepared.validation)
        XCTAssertEqual(result.history.count, 3)
        XCTAssertTrue(result.history.allSatisfy { $0.validationLoss.isFinite && $0.trainAccuracy > 0 })
        let (loss, share, auc) = trainer.evaluate(prepared.test)
        XCTAssertTrue(loss.isFinite && (0...1).contains(share))
        XCTAssertNotNil(auc, "some tags have positives and negatives among the test clips")

        // The clip level: each clip's score is the mean of its segments' sigmoid outputs; its tags are its own.
        let e = TaggingEvaluation(model: model, data: prepared.test, clipIndex: prepared.testClips, on: engine)
        XCTAssertEqual(e.clipIDs.count, prepared.split.test.count)
        for (row, c) in e.clipIDs.enumerated() {
            let segments = prepared.testClips.indices.filter { prepared.testClips[$0] == c }
            for t in 0..<k {
                let mean = segments.reduce(0.0) { $0 + e.segmentProbabilities[$1 * k + t] } / Double(segments.count)
                XCTAssertEqual(e.clipProbabilities[row * k + t], mean, accuracy: 1e-12)
                XCTAssertEqual(e.clipTags[row * k + t], prepared.split.test[c].tags!.contains(t))
            }
        }
        XCTAssertEqual(e.clip, TaggingReport(scores: e.clipProbabilities, tags: e.clipTags, tagCount: k))
        let resampling = BootstrapPlan(seed: 2, resamples: 100)
        XCTAssertEqual(e.intervals(resampling, purpose: "t", on: engine.with(threads: 1)), e.intervals(resampling, purpose: "t",
                on: engine.with(threads: 2)))
    }
}
