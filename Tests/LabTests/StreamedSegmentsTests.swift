import XCTest
@testable import Core
@testable import Lab

/// A prepared experiment streams its segments from unlinked files beside the cache; its floats are
/// exactly the cached features cut into segments and standardised with the training statistics, and
/// nothing is left on disk.
final class StreamedSegmentsTests: XCTestCase {
    func testPreparedSegmentsAreTheCachedFeaturesCutAndStandardised() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lab-stream-\(UUID().uuidString)").path
        let cacheDir = root + "-cache"
        defer { try? FileManager.default.removeItem(atPath: root); try? FileManager.default.removeItem(atPath: cacheDir) }
        try BuiltinCollection.write(to: root, clipsPerGenre: 4, seconds: 3, seed: 3, genres: ["blues", "metal"], threads: 2)
        var e = Experiment(name: "x")
        e.classes = ["blues", "metal"]
        e.segmentSeconds = 1
        e.segmentHopSeconds = 0.5
        e.augment = AugmentPlan(copies: 1, noiseSNR: [20, 30])
        let plan = e.dataPlan(root: root)
        let data = try PreparedData.prepare(plan, cacheDirectory: cacheDir, on: engine)
        for d in [data.train, data.validation, data.test] { XCTAssertTrue(d.samples.isStreamed) }
        XCTAssertFalse(try FileManager.default.subpathsOfDirectory(atPath: cacheDir).contains { $0.contains("segments-") },
                       "segment files are unlinked")

        // The same floats, rebuilt in memory from the cache.
        let cache = FeatureCache(directory: cacheDir)
        func cut(_ clips: [ClipRef], augmented: Bool = false) throws -> (x: [Float], labels: [Int]) {
            var x: [Float] = [], labels: [Int] = []
            for clip in clips {
                let m = try cache.logMel(for: clip, root: root, params: plan.features)
                for s in segments(of: m, spec: plan.segment) { x += s.values; labels.append(clip.classIndex) }
            }
            if augmented {
                let byPath = Dictionary(uniqueKeysWithValues: clips.map { ($0.relativePath, $0) })
                for job in data.augmented {
                    let clip = try XCTUnwrap(byPath[job.clip])
                    let m = try cache.logMel(for: clip, root: root, params: plan.features, augmentation: job.draw)
                    for s in segments(of: m, spec: plan.segment) { x += s.values; labels.append(clip.classIndex) }
                }
            }
            return (x, labels)
        }
        var (train, trainLabels) = try cut(data.split.train, augmented: true)
        XCTAssertEqual(data.augmented.count, data.split.train.count)
        var sum = 0.0, sq = 0.0
        for v in train { sum += Double(v); sq += Double(v) * Double(v) }
        let mean = sum / Double(train.count), std = (sq / Double(train.count) - mean * mean).squareRoot()
        XCTAssertEqual(data.mean, mean)
        XCTAssertEqual(data.std, std)
        let s = Standardisation(mean: mean, std: std)
        s.apply(&train)
        XCTAssertEqual(data.train.x, train)
        XCTAssertEqual(data.train.labels, trainLabels)
        for (d, clips) in [(data.validation, data.split.validation), (data.test, data.split.test)] {
            var (x, labels) = try cut(clips)
            s.apply(&x)
            XCTAssertEqual(d.x, x)
            XCTAssertEqual(d.labels, labels)
        }
        XCTAssertEqual(data.testClips.count, data.test.count)
        XCTAssertEqual(Set(data.testClips), Set(0..<data.split.test.count))
    }
}
