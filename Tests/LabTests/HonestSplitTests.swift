import Core
import Foundation
import XCTest
@testable import Lab

/// Honest splits: a split file, a group-aware split and GTZAN's fault-filtered lists.
final class HonestSplitTests: XCTestCase {
    var root: String!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("lab-split-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: root) }

    /// A GTZAN-shaped directory (10 genres x 100 tiny .au clips), scanned as a run scans it: the
    /// shipped lists give 443 / 197 / 290 clips and leave the other 70 out, each listed.
    func testTheShippedGTZANListsGive443_197_290() throws {
        let tone = AudioClip(samples: (0..<441).map { Float(sin(Double($0) * 0.3)) * 0.5 }, sampleRate: 22050)
        for genre in GTZAN.genres.sorted() {
            try FileManager.default.createDirectory(atPath: "\(root!)/\(genre)", withIntermediateDirectories: true)
            for i in 0..<100 { try AudioIO.write(tone, to: String(format: "%@/%@/%@.%05d.au", root, genre, genre, i), format: .au16) }
        }
        let collection = try AudioCollection.scan(root: root)
        XCTAssertEqual(collection.clips.count, 1000)
        XCTAssertTrue(GTZAN.looksLike(classes: collection.classes, paths: collection.clips.map(\.relativePath)))
        let (split, leftOut) = DataSplit.assigned(collection.clips, by: try SplitFile.parse(SplitFile.gtzanFiltered,
                source: "gtzan-filtered"),
                                                  source: "gtzan-filtered")
        XCTAssertEqual([split.train.count, split.validation.count, split.test.count], [443, 197, 290])
        XCTAssertEqual(leftOut.count, 70)
        XCTAssertTrue(leftOut.allSatisfy { $0.reason.contains("not in the split file") })
        XCTAssertTrue(split.test.contains { $0.relativePath == "blues/blues.00012.au" }, "a .wav list matches .au files")
        let all = split.train + split.validation + split.test
        XCTAssertEqual(Set(all.map(\.relativePath)).count, all.count, "no clip in two splits")
    }

    func testASplitFileIsParsedStrictly() throws {
        let list = try SplitFile.parse("# a comment\nblues/a.wav,train\nblues/b.wav\ttest\n\nmetal/c.au valid\n", source: "s.csv")
        XCTAssertEqual(list, ["blues/a": .train, "blues/b": .test, "metal/c": .validation])
        for (text, needle) in [("blues/a.wav,holiday", "s.csv:1:"), ("blues/a.wav,train\nblues/a.wav,test",
                                                                     "s.csv:2: blues/a.wav is already in train"),
                               ("# only comments", "no `relative/path,split` lines"), ("a,b,c", "s.csv:1:")] {
            XCTAssertThrowsError(try SplitFile.parse(text, source: "s.csv")) { error in
                XCTAssertTrue("\(error)".contains(needle) && !"\(error)".contains("\n"), "\(error)")
            }
        }
        let clips = ["blues/a.au", "blues/b.au", "blues/x.au"].enumerated().map { ClipRef(relativePath: $0.element, classIndex: 0,
                                                                                          sha256: "\($0.offset)") }
        let (split, leftOut) = DataSplit.assigned(clips, by: list, source: "s.csv")
        XCTAssertEqual(split.train.map(\.relativePath), ["blues/a.au"])
        XCTAssertEqual(split.test.map(\.relativePath), ["blues/b.au"])
        XCTAssertEqual(Set(leftOut.map(\.relativePath)), ["blues/x.au", "metal/c"], "left out, and named but missing")
    }

    /// Over many seeds and random groupings, a group never spans two splits, and each class still
    /// reaches every split.
    func testAGroupNeverSpansTwoSplits() {
        var rng = SeededRNG(seed: 5)
        for trial in 0..<50 {
            var clips: [ClipRef] = []
            for c in 0..<3 {
                for i in 0..<(12 + rng.int(below: 20)) {
                    clips.append(ClipRef(relativePath: "c\(c)/artist\(c * 100 + rng.int(below: 6))__\(i).wav", classIndex: c,
                                         sha256: "\(c)-\(i)"))
                }
            }
            let key: (ClipRef) -> String = { String($0.relativePath.split(separator: "_")[0]) }
            let split = DataSplit.grouped(clips, fractions: SplitFractions(), seed: UInt64(trial), key: key)
            let sides = [split.train, split.validation, split.test].map { Set($0.map(key)) }
            XCTAssertTrue(sides[0].isDisjoint(with: sides[1]) && sides[0].isDisjoint(with: sides[2]) && sides[1].isDisjoint(with: sides[2]),
                          "trial \(trial)")
            XCTAssertEqual(split.train.count + split.validation.count + split.test.count, clips.count)
            XCTAssertEqual(DataSplit.grouped(clips.reversed(), fractions: SplitFractions(), seed: UInt64(trial), key: key), split,
                           "order-free")
        }
    }

    func testTheNotebookKeys() throws {
        func cell(_ split: String) throws -> Experiment {
            try NotebookParser.parse("# t\n\n```lab\nname: a\nsplit: \(split)\n```\n", file: "nb.lab.md").experiments[0]
        }
        XCTAssertEqual(try cell("gtzan-filtered").splitSource, .gtzanFiltered)
        XCTAssertEqual(try cell("{file: splits/mine.csv}").splitSource, .file("splits/mine.csv"))
        XCTAssertEqual(try cell("{group_by: \"^[^/]+/([^_]+)\", seed: 3}").splitSource, .groups(pattern: "^[^/]+/([^_]+)"))
        XCTAssertThrowsError(try cell("{group_by: \"([\"}"))
        XCTAssertThrowsError(try cell("{file: x.csv, train: 0.5}"))
        XCTAssertThrowsError(try cell("random"))
        XCTAssertNil(try cell("{seed: 3}").splitSource)
        // The JSON form, and a default split leaves it out (older records read the same).
        let json = String(decoding: try JSONCoding.encode(try cell("gtzan-filtered")), as: UTF8.self)
        XCTAssertTrue(json.contains("\"splitSource\" : \"gtzan-filtered\""), json)
        XCTAssertFalse(String(decoding: try JSONCoding.encode(Experiment(name: "a")), as: UTF8.self).contains("splitSource"))
        XCTAssertEqual(try JSONCoding.decoder.decode(Experiment.self, from: try JSONCoding.encode(try cell("{file: s.csv}"))).splitSource,
                       .file("s.csv"))
    }

    /// A run with a split file: the split it records is the file's, and the clips the file leaves out
    /// are listed as skipped, with the reason.
    func testARunFollowsTheSplitFile() throws {
        let data = root + "/data"
        try BuiltinCollection.write(to: data, clipsPerGenre: 4, seconds: 2, seed: 3, genres: ["blues", "metal"], threads: 2)
        let lines = ["blues/blues.00000.au,train", "blues/blues.00001.au,train", "blues/blues.00002.au,validation",
                     "blues/blues.00003.au,test",
                     "metal/metal.00000.au,train", "metal/metal.00001.au,validation", "metal/metal.00002.au,test", "metal/gone.au,test"]
        try lines.joined(separator: "\n").write(toFile: root + "/split.csv", atomically: true, encoding: .utf8)
        var e = Experiment(name: "f")
        e.data = .path(data)
        e.splitSource = .file(root + "/split.csv")
        e.features.nMels = 16
        e.segmentSeconds = 1
        e.model = ModelSpec(filters: [2], dropout: 0, denseUnits: 4)
        e.training = TrainConfig(epochs: 1, batchSize: 8, patience: nil)
        guard case .complete(let dir, _) = try ExperimentRunner(workspace: Workspace(root: root + "/ws"), quiet: true,
                                                                command: "t", context: engine).run(e) else {
            return XCTFail("not complete")
        }
        let split = try JSONCoding.decoder.decode(DataSplit.self, from: Data(contentsOf: URL(fileURLWithPath: dir.file("split.json"))))
        XCTAssertEqual(split.test.map(\.relativePath), ["blues/blues.00003.au", "metal/metal.00002.au"])
        XCTAssertEqual(split.train.count, 3)
        let skipped = try dir.readManifest().skipped
        XCTAssertEqual(Set(skipped.map(\.relativePath)), ["metal/metal.00003.au", "metal/gone"])
    }
}
