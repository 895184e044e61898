import ArgumentParser
import Core
import Foundation
import XCTest
@testable import Lab

/// Random and truncated bytes wherever lab reads a file it or a user wrote: each gives one clear
/// line naming the file, never a trap.
final class FuzzTests: XCTestCase {
    var root: String!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("lab-fuzz-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: root) }

    /// `n` corruptions of `valid`: random bytes of random length, truncations, and single flipped bytes.
    static func corruptions(of valid: Data, _ n: Int, rng: inout SeededRNG) -> [Data] {
        (0..<n).map { i in
            switch i % 3 {
            case 0: return Data((0..<rng.int(below: 300)).map { _ in UInt8(rng.int(below: 256)) })
            case 1: return valid.prefix(valid.isEmpty ? 0 : rng.int(below: valid.count))
            default:
                var d = valid
                if !d.isEmpty { d[rng.int(below: d.count)] ^= UInt8(1 + rng.int(below: 255)) }
                return d
            }
        }
    }

    func oneLine(_ body: () throws -> Void, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        do { try body() } catch let e as UserError {
            XCTAssertFalse(e.message.contains("\n"), "\(what): \(e.message)", file: file, line: line)
        } catch let e as CheckpointError {
            XCTAssertFalse("\(e)".contains("\n"), "\(what): \(e)", file: file, line: line)
        } catch {
            XCTFail("\(what): \(type(of: error)) is not a user-facing error: \(error)", file: file, line: line)
        }
    }

    func testRecordsAndWeightsRefuseCorruptBytesInOneLine() throws {
        var rng = SeededRNG(seed: 11)
        let model = Model(config: ModelConfig(inputHeight: 8, inputWidth: 8, filters: [2], denseUnits: 4, classes: 2), rng: &rng)
        let weights = root + "/model.safetensors"
        try Checkpoint.saveWeights(model, to: weights)
        let validWeights = try Data(contentsOf: URL(fileURLWithPath: weights))
        for (i, bytes) in Self.corruptions(of: validWeights, 150, rng: &rng).enumerated() {
            try bytes.write(to: URL(fileURLWithPath: weights))
            oneLine({ try Checkpoint.loadWeights(into: model, path: weights) }, "weights \(i)")
            oneLine({ _ = try Checkpoint.load(path: weights, model: model) }, "checkpoint \(i)")
        }

        // A run's records: a real manifest, metrics and a search trial's status, then broken copies.
        let dir = RunDirectory(id: "1", path: root + "/target/1")
        try FileManager.default.createDirectory(atPath: dir.file("trials/000"), withIntermediateDirectories: true)
        let manifest = RunManifest(runID: "1", experiment: Experiment(name: "x"), status: .complete, gitCommit: nil, gitDirty: nil,
                                   toolkitVersion: "t", dataRoot: "", fingerprint: nil, classes: [], skipped: [], seed: 1, threads: 1,
                                   startTime: "t", endTime: nil, error: nil, command: "t",
                                   machine: MachineDescription.current(kernels: engine.kernels), pid: 1,
                                   host: "h", engine: "e")
        let validManifest = try JSONCoding.encode(manifest)
        let trial = SearchRecord.Trial(trial: 0, params: ["dropout": 0.1], seed: 1, status: .running, scores: [], curve: [])
        let validStatus = try JSONCoding.encode(trial)
        let validResults = try Data(contentsOf: URL(fileURLWithPath: Self.repoRoot + "/reports/results.json"))
        for (i, bytes) in Self.corruptions(of: validManifest, 60, rng: &rng).enumerated() {
            try bytes.write(to: URL(fileURLWithPath: dir.file("manifest.json")))
            oneLine({ _ = try dir.readManifest() }, "manifest \(i)")
        }
        for (i, bytes) in Self.corruptions(of: validStatus, 60, rng: &rng).enumerated() {
            try bytes.write(to: URL(fileURLWithPath: dir.file("trials/000/status.json")))
            oneLine({ _ = try SearchRunner.status(dir, 0) }, "status \(i)")
        }
        for (i, bytes) in Self.corruptions(of: validResults, 60, rng: &rng).enumerated() {
            oneLine({ _ = try ResultsFile.load(bytes, source: "results.json") }, "results \(i)")
        }
        // The untouched files still read.
        try validManifest.write(to: URL(fileURLWithPath: dir.file("manifest.json")))
        XCTAssertEqual(try dir.readManifest().runID, "1")
        XCTAssertNoThrow(try ResultsFile.load(validResults, source: "results.json"))
    }

    /// 100 files of random bytes with audio names: `data check` and a run list each as skipped with
    /// its reason, and use the real clips.
    func testRandomByteAudioFilesAreSkippedByDataCheckAndARun() throws {
        let data = root + "/data"
        try BuiltinCollection.write(to: data, clipsPerGenre: 4, seconds: 2, seed: 3, genres: ["blues", "metal"], threads: 2)
        var rng = SeededRNG(seed: 12)
        let extensions = ["wav", "au", "flac", "ogg", "mp3", "aiff"]
        var junk: Set<String> = []
        for i in 0..<100 {
            let name = "\(i % 2 == 0 ? "blues" : "metal")/junk\(i).\(extensions[i % extensions.count])"
            var bytes = Data((0..<(i % 10 == 0 ? 0 : rng.int(below: 4000))).map { _ in UInt8(rng.int(below: 256)) })
            if i % 7 == 0 { bytes = Data("RIFF".utf8) + bytes } // a header that promises more than it has
            try bytes.write(to: URL(fileURLWithPath: data + "/" + name))
            junk.insert(name)
        }
        let collection = try AudioCollection.scan(root: data)
        let check = DataCheck.run(collection, rule: DataCheckTests.rule(seconds: 1, tail: .drop), progress: ProgressReporter(label: "t",
                quiet: true), on: engine)
        XCTAssertTrue(junk.isSubset(of: Set(check.skipped.map(\.relativePath))),
                      "data check missed \(junk.subtracting(check.skipped.map(\.relativePath)))")
        XCTAssertEqual(check.inspections.count, 8)
        XCTAssertTrue(check.skipped.allSatisfy { !$0.reason.isEmpty && !$0.reason.contains("\n") })

        var e = Experiment(name: "fuzz")
        e.data = .path(data)
        e.features.nMels = 16
        e.segmentSeconds = 1
        e.model = ModelSpec(filters: [2], dropout: 0, denseUnits: 4)
        e.training = TrainConfig(epochs: 1, batchSize: 8, patience: nil)
        e.split = SplitFractions(train: 0.5, validation: 0.25, test: 0.25)
        let ws = Workspace(root: root + "/ws")
        guard case .complete(let dir, _) = try ExperimentRunner(workspace: ws, quiet: true,
                                                                command: "t", context: engine).run(e) else { return XCTFail("not "
                                                                        + "complete") }
        XCTAssertTrue(junk.isSubset(of: Set(try dir.readManifest().skipped.map(\.relativePath))))
    }

    /// Random, truncated and mangled labels files of every layout, through `lab data check --labels`:
    /// each either reads (rows it cannot use listed with their line) or ends in one clear line; none traps.
    func testRandomLabelsFilesReadOrErrorInOneLine() throws {
        let audio = root + "/audio"
        try BuiltinCollection.write(to: audio, clipsPerGenre: 2, seconds: 1, seed: 3, genres: ["blues", "metal"], threads: 2)
        let paths = ["blues/blues.00000.au", "blues/blues.00001.au", "metal/metal.00000.au", "metal/metal.00001.au"]
        let valid = [
            "\"clip_id\"\t\"guitar\"\t\"slow\"\t\"mp3_path\"\n"
                    + paths.enumerated().map { "\"\($0)\"\t\"1\"\t\"\($0 % 2)\"\t\"\($1)\"\n" }.joined(),
            "TRACK_ID\tARTIST_ID\tALBUM_ID\tPATH\tDURATION\tTAGS\n" + paths.map { "t\ta\tb\t\($0)\t1.0\tgenre---x\tmood---y\n" }.joined(),
            ",album,set,set,track\n,title,split,subset,genre_top\ntrack_id,,,,\n2,\"A, b\",training,small,Rock\n3,B,test,large,Pop\n",
            "path,labels,split\n" + paths.map { "\($0),\"rock;live\",train\n" }.joined(),
        ]
        var rng = SeededRNG(seed: 21)
        let fragments = ["\"", "\t", ",", "\n", "\r\n", ";", "..", "/", "~", "1", "0", "track_id", "path", "labels", "é", "\u{FEFF}", " "]
        var cases: [Data] = []
        for text in valid {
            cases += Self.corruptions(of: Data(text.utf8), 24, rng: &rng)
            for _ in 0..<12 { // text-level mangling: fragments inserted at random places
                var chars = Array(text)
                for _ in 0..<(1 + rng.int(below: 6)) {
                    chars.insert(contentsOf: fragments[rng.int(below: fragments.count)], at: rng.int(below: chars.count + 1))
                }
                cases.append(Data(String(chars).utf8))
            }
        }
        var read = 0, refused = 0
        for (i, bytes) in cases.enumerated() {
            let file = root + "/labels\(i).csv"
            try bytes.write(to: URL(fileURLWithPath: file))
            var command = try LabCommand.parseAsRoot(["data", "check", audio, "--labels", file, "-C", root, "--quiet"])
            var finished = false
            oneLine({
                _ = try captureStandardOutput {
                    do { try command.run() } catch is ExitCode {} // rows or files a run would skip: exit 1, listed
                }
                finished = true
            }, "labels file \(i)")
            if finished { read += 1 } else { refused += 1 }
        }
        XCTAssertGreaterThan(read, 10, "some mangled files still read")
        XCTAssertGreaterThan(refused, 10, "some are refused")
    }

    static var repoRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }
}
