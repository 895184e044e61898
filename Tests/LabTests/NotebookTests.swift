import Core
import Foundation
import XCTest
@testable import Lab

final class NotebookParserTests: XCTestCase {
    func parse(_ cell: String) throws -> Notebook {
        try NotebookParser.parse("# Title\n\nprose\n\n```lab\n\(cell)\n```\nmore prose\n", file: "nb.lab.md")
    }

    func testDefaultsAndOverrides() throws {
        let nb = try parse("name: two\nclasses: [jazz, pop]\nfeatures: {n_mels: 64}\ntraining:\n  epochs: 3\n  patience: null")
        let e = try XCTUnwrap(nb.experiments.first)
        XCTAssertEqual(e.name, "two")
        XCTAssertEqual(e.classes, ["jazz", "pop"])
        XCTAssertEqual(e.features.nMels, 64)
        XCTAssertEqual(e.features.nFFT, 2048)
        XCTAssertEqual(e.training.epochs, 3)
        XCTAssertNil(e.training.patience)
        XCTAssertEqual(e.model.filters, [32, 64, 128])
        XCTAssertNil(e.segmentMaxPerClip)
        XCTAssertEqual(nb.blocks.count, 3)
        XCTAssertEqual(e.expanded(), [e])
        let repeated = try XCTUnwrap(try parse("name: r\nrepeats: 4").experiments.first)
        XCTAssertEqual(repeated.expanded().map(\.runName), ["r-r1", "r-r2", "r-r3", "r-r4"])
        XCTAssertEqual(Set(repeated.expanded().map(\.splitSeed)), [42], "no resplit: one split")
        XCTAssertThrowsError(try parse("name: r\nresplit: true"))
        let limited = try XCTUnwrap(try parse("name: l\nsegment: {seconds: 2, max_per_clip: 12}").experiments.first)
        XCTAssertEqual(limited.segmentSpec.maxPerClip, 12)
        // The next steps: a harmonic front end's input shape, augmentation, an ablation group.
        let next = try XCTUnwrap(try parse("""
            name: h
            features: {kind: harmonic, harmonics: 4, steps_per_semitone: 1, q: 2}
            augment: {copies: 2, noise: {snr_db: [20, 30]}, pitch: {semitones: [-1, 1]}, stretch: {factor: [0.95, 1.05]}}
            ablation: next
            """).experiments.first)
        XCTAssertEqual(next.inputShape, InputShape(channels: 4, height: next.features.bands, width: next.segmentSpec.length))
        XCTAssertEqual(next.features.bands, HarmonicFilterbank.centres(sampleRate: 22050, harmonics: 4, stepsPerSemitone: 1).count)
        XCTAssertEqual(next.features.harmonicQ, 2)
        XCTAssertEqual(next.augment, AugmentPlan(copies: 2, noiseSNR: [20, 30], semitones: [-1, 1], stretch: [0.95, 1.05]))
        XCTAssertEqual(next.ablation, "next")
        XCTAssertEqual(next.dataPlan(root: "/x").augment, next.augment)
        // A log-mel cell's JSON (its cache key and its record) has none of the new keys.
        let json = String(decoding: try JSONCoding.encode(e.features), as: UTF8.self)
        XCTAssertFalse(json.contains("kind") || json.contains("harmonics"), json)
    }

    func testMalformedCellsNameTheLineAndKey() {
        func error(_ cell: String) -> NotebookError? {
            do { _ = try parse(cell); return nil } catch { return error as? NotebookError }
        }
        // The cell body starts on line 6 of the notebook.
        let unknown = error("name: a\ntraining:\n  epochs: 3\n  epoch_count: 4")
        XCTAssertEqual(unknown?.line, 9)
        XCTAssertEqual(unknown?.key, "training.epoch_count")
        let wrongType = error("name: a\ntraining: {epochs: ten}")
        XCTAssertEqual(wrongType?.key, "training.epochs")
        XCTAssertEqual(wrongType?.line, 7)
        XCTAssert(wrongType!.description.hasPrefix("nb.lab.md:7: training.epochs: expected an integer, got \"ten\""),
                  wrongType!.description)
        XCTAssertEqual(error("title: no name")?.key, "name")
        XCTAssertEqual(error("name: Bad Name")?.key, "name")
        XCTAssertNotNil(error("name: a\nmodel: [1, 2"))                 // not YAML
        XCTAssertEqual(error("name: a\nclasses: [jazz]")?.key, "classes")
        XCTAssertEqual(error("name: a\nmodel: {dropout: 2}")?.key, "model.dropout")
        // Limits across keys, caught before any engine code runs.
        let short = error("name: a\nsegment: {seconds: 0.05}")
        XCTAssertEqual(short?.key, "segment.seconds")
        XCTAssertEqual(short?.line, 7)
        XCTAssertTrue(short!.description.contains("0.05 s gives 2 frames; 3 pooling blocks need at least 8"), short!.description)
        XCTAssertEqual(error("name: a\nfeatures: {n_mels: 6}")?.key, "features.n_mels")
        XCTAssertNil(error("name: a\nfeatures: {n_mels: 8}\nsegment: {seconds: 0.2}"))
        XCTAssertEqual(error("name: a\nfeatures: {fmin: 9000, fmax: 8000}")?.key, "features.fmin")
        // The next steps' keys.
        XCTAssertEqual(error("name: a\nfeatures: {kind: chroma}")?.key, "features.kind")
        XCTAssertEqual(error("name: a\nfeatures: {harmonics: 4}")?.key, "features.harmonics") // needs kind: harmonic
        XCTAssertEqual(error("name: a\nfeatures: {kind: harmonic, harmonics: 200}")?.key, "features.harmonics")
        XCTAssertEqual(error("name: a\naugment: {copies: 2}")?.key, "augment")                   // no transform
        XCTAssertEqual(error("name: a\naugment: {noise: {snr_db: [40, 20]}}")?.key, "augment.noise.snr_db")
        XCTAssertEqual(error("name: a\naugment: {pitch: {semitones: [1.5]}}")?.key, "augment.pitch.semitones")
        XCTAssertEqual(error("name: a\naugment: {stretch: {factor: [0.1, 1]}}")?.key, "augment.stretch.factor")
        XCTAssertEqual(error("name: a\naugment: {reverb: {}}")?.key, "augment.reverb")
        XCTAssertThrowsError(try NotebookParser.parse("```lab\nname: a\n", file: "x.lab.md"))  // never closed
        XCTAssertThrowsError(try NotebookParser.parse("```lab\nname: a\n```\n```lab\nname: a\n```\n", file: "x.lab.md")) // duplicate
    }
}

final class RecordsEncodingTests: XCTestCase {
    /// Data sources read as a person writes them, and the old synthesised form is still read.
    func testDataSourceJSONIsPlain() throws {
        func json(_ d: DataSource) throws -> String { String(decoding: try JSONCoding.encode(d), as: UTF8.self) }
        XCTAssertTrue(try json(.path("genres")).contains("\"path\" : \"genres\""))
        XCTAssertFalse(try json(.path("genres")).contains("_0"))
        for d in [DataSource.path("g"), .builtin(clipsPerGenre: 3, seconds: 2.5, seed: 9)] {
            XCTAssertEqual(try JSONCoding.decoder.decode(DataSource.self, from: JSONCoding.encode(d)), d)
        }
        XCTAssertEqual(try JSONCoding.decoder.decode(DataSource.self, from: Data("{\"path\": {\"_0\": \"old\"}}".utf8)), .path("old"))
        XCTAssertTrue(try json(.builtin(clipsPerGenre: 30, seconds: 10, seed: 1)).contains("\"clipsPerGenre\" : 30"))
    }

    func testBuiltinCollectionFolderNamesTheExactClipLength() {
        let ws = Workspace(root: "/w")
        let a = ws.builtinDirectory(clipsPerGenre: 30, seconds: 10, seed: 1)
        XCTAssertTrue(a.hasSuffix("-30x10s-seed1"), a)
        XCTAssertNotEqual(a, ws.builtinDirectory(clipsPerGenre: 30, seconds: 10.5, seed: 1))
        XCTAssertNotEqual(a, ws.builtinDirectory(clipsPerGenre: 30, seconds: 10, seed: 2))
    }

    /// The spectrogram's Hz ticks follow the features' mel scale: 1 kHz sits at a different band
    /// row on the HTK scale than on Slaney's, and at the top for fmax.
    func testSpectrogramTicksFollowTheMelScale() {
        var p = FeatureParams(nMels: 128)
        let slaney = FeatureExport.frequencyTicks(p, rows: 128)
        p.melScale = .htk
        let htk = FeatureExport.frequencyTicks(p, rows: 128)
        let row = { (ticks: [(row: Double, label: String)], label: String) in ticks.first { $0.label == label }!.row }
        XCTAssertEqual(row(slaney, "0"), 0)
        XCTAssertNotEqual(row(slaney, "1k"), row(htk, "1k"))
        // Slaney is linear below 1 kHz: 1000 Hz is mel 15 of 15 + log(11.025)/(log(6.4)/27) at sr 22050.
        XCTAssertEqual(row(slaney, "1k"), 15 / (15 + log(11.025) / (log(6.4) / 27)) * 128, accuracy: 1e-9)
        XCTAssertEqual(row(htk, "1k"), log10(1 + 1000 / 700.0) / log10(1 + 11025 / 700.0) * 128, accuracy: 1e-9)
    }
}
