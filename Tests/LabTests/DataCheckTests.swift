import Core
import Foundation
import XCTest
@testable import Lab

/// `lab data check` on a collection with every kind of bad file, and a run on the same collection:
/// both name the same files, with their reasons.
final class DataCheckTests: XCTestCase {
    func testEveryKindOfBadFileIsListedWithItsReason() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lab-check-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try BuiltinCollection.write(to: root, clipsPerGenre: 4, seconds: 3, seed: 5, genres: ["jazz", "metal"], threads: 2)
        func wav(_ samples: [Float], _ name: String) throws {
            try AudioIO.write(AudioClip(samples: samples, sampleRate: 22050), to: root + "/" + name, format: .wavFloat)
        }
        try "text, not audio\n".write(toFile: root + "/jazz/text.wav", atomically: true, encoding: .utf8)
        try String(repeating: "text named .au\n", count: 40).write(toFile: root + "/jazz/text.au", atomically: true, encoding: .utf8)
        try wav([Float](repeating: 0, count: 22050 * 3), "jazz/silent.wav")
        // Not a zero sample in it, but below the features' floor: its log-mel matrix is constant, so a
        // run cannot use it, and `data check` (which once looked only at the peak) must say so too.
        try wav((0..<(22050 * 3)).map { Float(1e-9 * sin(Double($0) * 0.05)) }, "jazz/whisper.wav")
        try wav((0..<2205).map { Float(sin(Double($0) * 0.1)) }, "metal/short.wav")
        var nan = (0..<(22050 * 3)).map { Float(sin(Double($0) * 0.05)) }
        nan[100] = .nan
        try wav(nan, "metal/nan.wav")
        let au = try Data(contentsOf: URL(fileURLWithPath: root + "/metal/metal.00000.au"))
        try au.prefix(au.count / 2).write(to: URL(fileURLWithPath: root + "/metal/truncated.au"))
        FileManager.default.createFile(atPath: root + "/metal/empty.wav", contents: Data())
        try FileManager.default.copyItem(atPath: root + "/jazz/jazz.00001.au", toPath: root + "/metal/copy-of-jazz.au")

        let collection = try AudioCollection.scan(root: root)
        let check = DataCheck.run(collection, rule: Self.rule(seconds: 2, tail: .drop), progress: ProgressReporter(label: "t", quiet: true),
                                  on: engine)
        let reasons = Dictionary(uniqueKeysWithValues: check.skipped.map { ($0.relativePath, $0.reason) })
        XCTAssertEqual(Set(reasons.keys), ["jazz/text.wav", "jazz/text.au", "jazz/silent.wav", "jazz/whisper.wav", "metal/short.wav",
                                           "metal/nan.wav", "metal/truncated.au", "metal/empty.wav"], "\(reasons)")
        XCTAssertTrue(reasons["jazz/text.au"]!.contains("no audio header"), reasons["jazz/text.au"]!)
        XCTAssertTrue(reasons["jazz/silent.wav"]!.contains("silent"))
        XCTAssertEqual(reasons["jazz/whisper.wav"], UnusableClip.silent.description)
        XCTAssertTrue(reasons["metal/short.wav"]!.contains("shorter than one 2-s segment"))
        XCTAssertTrue(reasons["metal/nan.wav"]!.lowercased().contains("nan") || reasons["metal/nan.wav"]!.contains("finite"),
                                                           reasons["metal/nan.wav"]!)
        XCTAssertTrue(reasons["metal/truncated.au"]!.contains("truncat"), reasons["metal/truncated.au"]!)
        XCTAssertTrue(reasons["metal/empty.wav"]!.contains("empty"))
        XCTAssertEqual(check.duplicates.map { $0.map(\.relativePath) }, [["jazz/jazz.00001.au", "metal/copy-of-jazz.au"]])
        XCTAssertEqual(check.inspections.count, 9)

        // A run skips the same files (duplicates are reported, not dropped) and lists them.
        let ws = Workspace(root: root + "-ws")
        defer { try? FileManager.default.removeItem(atPath: root + "-ws") }
        var e = Experiment(name: "check")
        e.data = .path(root)
        e.features.nMels = 32
        e.segmentSeconds = 2
        e.segmentHopSeconds = 1
        e.model = ModelSpec(filters: [4, 8], dropout: 0, denseUnits: 8)
        e.training = TrainConfig(epochs: 1, batchSize: 8, patience: nil)
        guard case .complete(let dir, let metrics) = try ExperimentRunner(workspace: ws, quiet: true, command: "t",
                                                                          context: engine).run(e) else {
            return XCTFail("the run did not complete")
        }
        // The same files for the same reasons, word for word: one skip rule for both.
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: try dir.readManifest().skipped.map { ($0.relativePath, $0.reason) }), reasons)
        XCTAssertEqual(metrics.clips.values.reduce(0, +), 9)

        // With `tail: pad` a run keeps a file shorter than one segment, and so does `data check`.
        let padded = DataCheck.run(collection, rule: Self.rule(seconds: 2, tail: .pad), progress: ProgressReporter(label: "t", quiet: true),
                                   on: engine)
        XCTAssertFalse(padded.skipped.map(\.relativePath).contains("metal/short.wav"))
        e.segmentTail = .pad
        e.name = "check-pad"
        guard case .complete(let padDir, _) = try ExperimentRunner(workspace: ws, quiet: true, command: "t", context: engine).run(e) else {
            return XCTFail("the pad run did not complete")
        }
        XCTAssertEqual(Set(try padDir.readManifest().skipped.map(\.relativePath)), Set(padded.skipped.map(\.relativePath)))
    }

    static func rule(seconds: Double, tail: SegmentTail) -> DataCheck.Rule {
        var params = FeatureParams()
        params.nMels = 32
        return DataCheck.Rule(params: params, segmentSeconds: seconds, spec: .seconds(seconds, hop: 1, params: params, tail: tail))
    }
}
