import ArgumentParser
import Core
import Foundation
import XCTest
@testable import Lab

/// `lab predict` on a run's own test clips, on other formats and lengths, and on bad input.
final class PredictTests: XCTestCase {
    static let notebook = """
    # Tiny

    ```lab
    name: tiny
    data: {clips_per_genre: 5, seconds: 3}
    classes: [classical, metal, reggae]
    features: {n_mels: 32}
    segment: {seconds: 1, hop: 0.5}
    model: {filters: [4, 8], dense: 8, dropout: 0.2}
    training: {epochs: 2, batch_size: 8, patience: null}
    ```
    """

    static var root: String!
    static var run: RunDirectory!

    override class func setUp() {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("lab-predict-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: root + "/reports", withIntermediateDirectories: true)
        try! notebook.write(toFile: root + "/reports/results.lab.md", atomically: true, encoding: .utf8)
        let ws = Workspace(root: root)
        _ = try! NotebookRun(workspace: ws, quiet: true, command: "t", context: engine).run(notebookPath: root + "/reports/results.lab.md",
                                                                           writeReport: true)
        run = ws.runIDs().map(ws.run).first!
    }

    override class func tearDown() { try? FileManager.default.removeItem(atPath: root) }

    var ws: Workspace { Workspace(root: Self.root) }
    var dataRoot: String { ws.absolute(try! Self.run.readManifest().dataRoot) }

    /// The probabilities for the run's own test clips are its predictions.csv's, character for
    /// character (the shortest text that reads back to the same Double), on 1 and 2 threads.
    func testTheRunsTestClipsGetItsPredictionsBitForBit() throws {
        let csv = try String(contentsOfFile: Self.run.file("predictions.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
        XCTAssertFalse(csv.isEmpty)
        for threads in [1, 2] {
            let context = engine.with(threads: threads)
            // By experiment name (through the report) and by run id: the same weights.
            let path = try ModelSource.resolve("tiny", notebook: "results", workspace: ws, reproduce: false, quiet: true,
                                               on: engine).weights
            XCTAssertEqual(path, try ModelSource.resolve(Self.run.id, notebook: "results", workspace: ws, reproduce: false,
                                                         quiet: true, on: engine).weights)
            let trained = try TrainedModel.load(path: path)
            XCTAssertEqual(trained.card.classes, ["classical", "metal", "reggae"])
            for row in csv {
                let fields = row.split(separator: ",").map(String.init)
                let p = try trained.predict(file: dataRoot + "/" + fields[0], on: context)
                XCTAssertEqual(p.clipProbabilities.map { "\($0)" }, Array(fields[2...]), "\(fields[0]) on \(threads) threads")
            }
        }
    }

    func testOtherFormatsRatesChannelsAndLengths() throws {
        let trained = try TrainedModel.load(path: Self.run.file("model.safetensors"))
        let dir = Self.root + "/songs"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let source = try AudioIO.decode(path: dataRoot + "/metal/metal.00000.au")
        let tone = source.samples + source.samples // 6 s
        try AudioIO.write(AudioClip(samples: tone, sampleRate: 22050), to: dir + "/song.mp3", format: .mp3)
        try AudioIO.write(AudioClip(samples: tone, sampleRate: 22050), to: dir + "/song.flac", format: .flac16)
        try Self.writeStereoWAV(tone, rate: 48000, sourceRate: 22050, to: dir + "/stereo48k.wav")
        for name in ["song.mp3", "song.flac", "stereo48k.wav"] {
            let p = try trained.predict(file: dir + "/" + name, on: engine)
            XCTAssertEqual(p.clipProbabilities.count, 3, name)
            XCTAssertEqual(p.clipProbabilities.reduce(0, +), 1, accuracy: 1e-6, name) // a float32 softmax
            XCTAssertGreaterThan(p.segmentTimes.count, 8, name)
            // The timeline covers the file: from 0, each hop along, the last segment reaching its end.
            XCTAssertEqual(p.segmentTimes.first?.start, 0)
            XCTAssertEqual(p.seconds - (p.segmentTimes.last?.end ?? 0), 0, accuracy: 0.5 + 1e-9, name)
            XCTAssertTrue(zip(p.segmentTimes, p.segmentTimes.dropFirst()).allSatisfy { $1.start > $0.start && $1.start <= $0.end }, name)
        }
        // FLAC is lossless: the same probabilities as the original samples written as WAV.
        try AudioIO.write(AudioClip(samples: tone, sampleRate: 22050), to: dir + "/song16.wav", format: .wav16)
        XCTAssertEqual(try trained.predict(file: dir + "/song.flac", on: engine).clipProbabilities,
                       try trained.predict(file: dir + "/song16.wav", on: engine).clipProbabilities)

        // Shorter than one segment: refused as training refused it, or padded on request.
        try AudioIO.write(AudioClip(samples: Array(tone.prefix(22050 / 4)), sampleRate: 22050), to: dir + "/short.wav", format: .wavFloat)
        XCTAssertThrowsError(try trained.predict(file: dir
                + "/short.wav", on: engine)) { XCTAssertTrue("\($0)".contains("shorter than one 1-s segment"), "\($0)") }
        let padded = try trained.predict(file: dir + "/short.wav", padShort: true, on: engine)
        XCTAssertEqual(padded.segmentTimes.count, 1)
        XCTAssertEqual(padded.segmentTimes[0].end, 0.25, accuracy: 0.01)
    }

    /// A directory with one corrupt file: the others are classified, the bad one named, exit status 1.
    func testADirectoryWithACorruptFileGoesOnAndFails() throws {
        let dir = Self.root + "/mixed"
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: dataRoot + "/reggae/reggae.00001.au", toPath: dir + "/sub/good.au")
        try Data("not audio at all".utf8).write(to: URL(fileURLWithPath: dir + "/bad.wav"))
        XCTAssertEqual(try PredictionJob.audioFiles([dir]).files.map(\.shown), ["bad.wav", "sub/good.au"])
        var command = try PredictCommand.parse(["tiny", dir, "--quiet", "--png", Self.root + "/t.png", "-C", Self.root])
        XCTAssertThrowsError(try command.run()) { XCTAssertTrue("\($0)".contains("--png draws one file"), "\($0)") }
        command = try PredictCommand.parse(["tiny", dir, "--quiet", "--csv", "-C", Self.root])
        XCTAssertThrowsError(try command.run()) { XCTAssertEqual(($0 as? ExitCode)?.rawValue, 1, "\($0)") }
    }

    /// A missing file among several is reported at the end; the others are classified (issue 38).
    func testAMissingFileDoesNotStopTheBatch() throws {
        let good = Self.root + "/good.au"
        try? FileManager.default.removeItem(atPath: good)
        try FileManager.default.copyItem(atPath: dataRoot + "/metal/metal.00002.au", toPath: good)
        let listed = try PredictionJob.audioFiles([good, Self.root + "/nothere.ogg"])
        XCTAssertEqual(listed.files.map(\.shown), [good])
        XCTAssertEqual(listed.missing.map(\.0), [Self.root + "/nothere.ogg"])
        XCTAssertThrowsError(try PredictionJob.audioFiles([Self.root + "/a.ogg", Self.root + "/b.ogg"])) {
            XCTAssertTrue("\($0)".contains("a.ogg: no such file or directory (nor 1 more of the paths given)"), "\($0)")
        }
        let command = try PredictCommand.parse(["tiny", Self.root + "/nothere.ogg", good, "--quiet", "--csv", "-C", Self.root])
        var failure: Error?
        let csv = try captureStandardOutput { do { try command.run() } catch { failure = error } }
        XCTAssertEqual((failure as? ExitCode)?.rawValue, 1, "exits 1 for the missing file: \(String(describing: failure))")
        XCTAssertTrue(csv.contains(good), "the good file is classified although the first one is missing:\n\(csv)")
    }

    /// An experiment name means that experiment of its own notebook, never the newest run of that
    /// name from another (scratch) notebook; two notebooks with the name is a question; the run used
    /// is said.
    func testAnExperimentIsTheRunOfItsOwnNotebook() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lab-predict-own-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/reports", withIntermediateDirectories: true)
        let ws = Workspace(root: dir)
        try Self.notebook.write(toFile: dir + "/reports/soundtracks.lab.md", atomically: true, encoding: .utf8)
        try Self.notebook.replacingOccurrences(of: "epochs: 2", with: "epochs: 1").write(toFile: dir + "/reports/scratch.lab.md",
                                                                                         atomically: true,
                                                                                          encoding: .utf8)
        for name in ["soundtracks", "scratch"] {
            _ = try NotebookRun(workspace: ws, quiet: true, command: "t",
                                context: engine).run(notebookPath: dir + "/reports/\(name).lab.md",
                                                                              writeReport: true)
        }
        let runs = RunStore(workspace: ws).runs
        let own = try XCTUnwrap(runs.first { $0.manifest.experiment.training.epochs == 2 }?.dir.id)
        let scratch = try XCTUnwrap(runs.first { $0.manifest.experiment.training.epochs == 1 }?.dir.id)
        XCTAssertEqual(runs.first?.dir.id, scratch, "the scratch run is the newer one")
        XCTAssertThrowsError(try ModelSource.resolve("tiny", notebook: nil, workspace: ws, reproduce: false, quiet: true, on: engine)) {
            XCTAssertTrue("\($0)".contains("an experiment of 2 notebooks") && "\($0)".contains("--notebook"), "\($0)")
        }
        let named = try ModelSource.resolve("tiny", notebook: "soundtracks", workspace: ws, reproduce: false, quiet: true, on: engine)
        XCTAssertEqual(named.weights, ws.run(own).file("model.safetensors"))
        XCTAssertEqual(named.description, "run \(own) (tiny of reports/soundtracks.lab.md)")
        try FileManager.default.removeItem(atPath: dir + "/reports/scratch.lab.md")
        XCTAssertEqual(try ModelSource.resolve("tiny", notebook: nil, workspace: ws, reproduce: false, quiet: true, on: engine).weights,
                       ws.run(own).file("model.safetensors"))
        XCTAssertThrowsError(try ModelSource.resolve("nope", notebook: nil, workspace: ws, reproduce: false, quiet: true, on: engine)) {
            XCTAssertTrue("\($0)".contains("notebooks: reports/soundtracks.lab.md"), "\($0)")
        }
    }

    func testMissingWeightsSayHowToGetThem() throws {
        let ws = Workspace(root: Self.root)
        let weights = Self.run.file("model.safetensors")
        try FileManager.default.moveItem(atPath: weights, toPath: weights + ".away")
        defer { try? FileManager.default.moveItem(atPath: weights + ".away", toPath: weights) }
        for source in ["tiny", Self.run.id] {
            XCTAssertThrowsError(try ModelSource.resolve(source, notebook: "results", workspace: ws, reproduce: false,
                                                         quiet: true, on: engine)) { error in
                let e = error as? UserError
                XCTAssertTrue(e?.message.contains("weights are not committed") == true
                        && e?.message.contains("regenerates them bit for bit") == true, "\(error)")
                XCTAssertTrue(e?.hint?.contains("--reproduce") == true)
            }
        }
        XCTAssertThrowsError(try ModelSource.resolve("nope", notebook: "results", workspace: ws, reproduce: false, quiet: true,
                                                     on: engine)) {
            XCTAssertTrue("\($0)".contains("nope: not an experiment of reports/results.lab.md (its experiments: tiny)"), "\($0)")
        }
    }

    func testTaggramAndOutputs() throws {
        let trained = try TrainedModel.load(path: Self.run.file("model.safetensors"))
        let p = try trained.predict(file: dataRoot + "/classical/classical.00002.au", on: engine)
        let a = PredictionOutput.taggram(p, classes: trained.card.classes, title: "t"), b = PredictionOutput.taggram(p,
                classes: trained.card.classes, title: "t")
        let pa = Self.root + "/a.png", pb = Self.root + "/b.png"
        try a.writePNG(to: pa)
        try b.writePNG(to: pb)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: pa)), try Data(contentsOf: URL(fileURLWithPath: pb)))
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: pa)).prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let rows = PredictionOutput.render([("c.au", p)], classes: trained.card.classes, top: 2, timeline: true, format: .csv)
            .split(separator: "\n")
        XCTAssertEqual(rows.count, 1 + p.segmentTimes.count)
        XCTAssertEqual(rows[0], "path,segment,start_s,end_s,p_classical,p_metal,p_reggae")
        let text = PredictionOutput.render([("c.au", p)], classes: trained.card.classes, top: 2, timeline: false, format: .text)
        XCTAssertEqual(text.split(separator: "\n").count, 3, text)
        // The timeline's bounds are the segments' own, to the millisecond (a segment is whole frames).
        let timeline = PredictionOutput.render([("c.au", p)], classes: trained.card.classes, top: 2, timeline: true, format: .text)
            .split(separator: "\n").dropFirst(3)
        XCTAssertEqual(timeline.count, p.segmentTimes.count)
        for (line, t) in zip(timeline, p.segmentTimes) {
            let fields = line.split(separator: " ")
            XCTAssertEqual(fields.prefix(3).map(String.init), [String(format: "%.3f-", t.start), String(format: "%.3f", t.end), "s"],
                           String(line))
        }
        let json = PredictionOutput.render([("c.au", p)], classes: trained.card.classes, top: 0, timeline: true, format: .json)
        // JSONDecoder, not JSONSerialization: only the former reads every Double back to its bits on Linux.
        struct Segment: Decodable { var start: Double; var end: Double; var probabilities: [String: Double] }
        struct File: Decodable { var path: String; var top: [String]; var probabilities: [String: Double]; var segments: [Segment] }
        struct Out: Decodable { var classes: [String]; var files: [File] }
        let object = try JSONDecoder().decode(Out.self, from: Data(json.utf8))
        XCTAssertEqual(object.classes, trained.card.classes)
        let file = try XCTUnwrap(object.files.first)
        XCTAssertEqual(file.path, "c.au")
        XCTAssertEqual(trained.card.classes.map { file.probabilities[$0] }, p.clipProbabilities.map { $0 }, "every class, full precision")
        let ranked = trained.card.classes.indices.sorted { p.clipProbabilities[$0] > p.clipProbabilities[$1] }
        XCTAssertEqual(file.top, ranked.map { trained.card.classes[$0] })
        XCTAssertEqual(file.segments.map(\.start), p.segmentTimes.map(\.start))
        XCTAssertEqual(file.segments.map(\.end), p.segmentTimes.map(\.end))
        XCTAssertEqual(file.segments.count, p.segmentTimes.count)
    }

    /// A 16-bit stereo WAV at `rate`, resampled from `sourceRate` by linear interpolation, the right
    /// channel at half the left's level.
    static func writeStereoWAV(_ samples: [Float], rate: Int, sourceRate: Int, to path: String) throws {
        let n = samples.count * rate / sourceRate
        var pcm = Data()
        for i in 0..<n {
            let x = Double(i) * Double(sourceRate) / Double(rate), j = min(Int(x), samples.count - 2), f = Float(x - Double(j))
            let v = samples[j] * (1 - f) + samples[j + 1] * f
            for s in [v, v / 2] { withUnsafeBytes(of: Int16(max(-1, min(1, s)) * 32767).littleEndian) { pcm.append(contentsOf: $0) } }
        }
        func u32(_ v: Int) -> Data { withUnsafeBytes(of: UInt32(v).littleEndian) { Data($0) } }
        func u16(_ v: Int) -> Data { withUnsafeBytes(of: UInt16(v).littleEndian) { Data($0) } }
        var d = Data("RIFF".utf8) + u32(36 + pcm.count) + Data("WAVEfmt ".utf8) + u32(16) + u16(1) + u16(2) + u32(rate)
        d += u32(rate * 4) + u16(4) + u16(16) + Data("data".utf8) + u32(pcm.count) + pcm
        try d.write(to: URL(fileURLWithPath: path))
    }
}
