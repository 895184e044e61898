import ArgumentParser
import Core
import Foundation
import XCTest
@testable import Lab

/// Each case of issue 22: a notebook, record or flag that used to trap or print a wrong number, now
/// one clear line (or the right number).
final class NotebookValidationTests: XCTestCase {
    func parse(_ cells: String...) throws -> Notebook {
        try NotebookParser.parse("# t\n\n" + cells.map { "```lab\n\($0)\n```\n" }.joined(separator: "\nprose\n\n"), file: "nb.lab.md")
    }

    func parseError(_ cells: String..., file: StaticString = #filePath, line: UInt = #line) -> NotebookError? {
        do {
            _ = try NotebookParser.parse("# t\n\n" + cells.map { "```lab\n\($0)\n```\n" }.joined(separator: "\nprose\n\n"),
                                         file: "nb.lab.md")
            XCTFail("accepted", file: file, line: line)
            return nil
        } catch let e as NotebookError {
            XCTAssertFalse(e.description.contains("\n"), "not one line: \(e)", file: file, line: line)
            return e
        } catch {
            XCTFail("not a NotebookError: \(error)", file: file, line: line)
            return nil
        }
    }

    /// Every rule that spans two keys of a cell (NotebookValidator.check) names the right key at
    /// the notebook line it was written on: "# t", "", "```lab", "name: a" come first, so the first
    /// extra line is line 5.
    func testEveryRuleAcrossKeysNamesItsKeyAndLine() {
        let space = "search: {trials: 2, rungs: [1], space: {dropout: {uniform: [0.1, 0.5]}}}"
        let cases: [(lines: [String], key: String, line: Int, says: String)] = [
            (["features: {kind: mel, harmonics: 3}"], "features.harmonics", 5, "only for `kind: harmonic`"),
            (["split:", "  file: s.csv", "  train: 0.5"], "split.train", 7, "a split file names every clip's split"),
            (["model: {kind: short-chunk-resnet, batch_norm: true}"], "model.batch_norm", 5, "always have batch norm"),
            (["training:", "  schedule: cosine", "  lr_decay: 0.5"], "training.lr_decay", 7, "use one of schedule and lr_decay"),
            (["training: {learning_rate: 1, weight_decay: 2}"], "training.weight_decay", 5, "must be below 1"),
            (["resplit: true"], "resplit", 5, "needs `repeats:` of 2 or more"),
            (["split: gtzan-filtered", "repeats: 2", "resplit: true"], "resplit", 7, "nothing to draw again"),
            ([space, "repeats: 2"], "repeats", 6, "a search cell is not repeated"),
            ([space, "ablation: g"], "ablation", 6, "cannot be an ablation variant"),
            (["repeats: 2", "resplit: true", "ablation: g"], "resplit", 6, "one split"),
        ]
        for c in cases {
            guard let e = parseError((["name: a"] + c.lines).joined(separator: "\n")) else { continue }
            XCTAssertEqual(e.key, c.key, "\(c.lines)")
            XCTAssertEqual(e.line, c.line, "\(c.lines): \(e)")
            XCTAssertTrue(e.message.contains(c.says), "\(c.lines): \(e)")
        }
    }

    func testDuplicateClassesAreRefusedWithOrWithoutAugmentation() {
        let plain = parseError("name: a\nclasses: [blues, blues, metal]")
        XCTAssertEqual(plain?.key, "classes")
        XCTAssertTrue(plain?.message.contains("'blues' is named twice") == true, "\(String(describing: plain))")
        let augmented = parseError("name: a\nclasses: [blues, blues, metal]\naugment: {copies: 1, noise: {snr_db: [20, 30]}}")
        XCTAssertEqual(augmented?.key, "classes")
    }

    func testAnAblationGroupMustShareDataClassesAndSplit() {
        let e = parseError("name: a\nclasses: [blues, metal]\nablation: g", "name: b\nclasses: [blues, metal, jazz]\nablation: g")
        XCTAssertEqual(e?.key, "classes")
        XCTAssertTrue(e?.message.contains("ablation group 'g'") == true, "\(String(describing: e))")
        XCTAssertEqual(e?.line, 11, "the second cell's fence")
        XCTAssertEqual(parseError("name: a\nablation: g", "name: b\nsplit: {seed: 3}\nablation: g")?.key, "split")
        XCTAssertNoThrow(try parse("name: a\nablation: g", "name: b\nfeatures: {kind: harmonic}\nablation: g"))
    }

    func testResplitInAnAblationIsRefused() {
        XCTAssertEqual(parseError("name: a\nrepeats: 2\nresplit: true\nablation: g")?.key, "resplit")
    }

    func testTheHopDefaultsToOneSecondWhateverElseSegmentSets() throws {
        let e = try parse("name: a\nsegment: {seconds: 2, tail: pad}").experiments[0]
        XCTAssertEqual(e.segmentHopSeconds, 1)
        XCTAssertEqual(e.segmentTail, .pad)
        XCTAssertEqual(try parse("name: a\nsegment: {seconds: 3}").experiments[0].segmentHopSeconds, 1)
        XCTAssertEqual(try parse("name: a\nsegment: {hop: 0.5}").experiments[0].segmentHopSeconds, 0.5)
    }

    func testSearchTrialsAreCheckedAsTheBaseCellIs() {
        // The base cell fits; its largest trial (filters x 16, batch 65536) does not.
        let e = parseError("""
        name: s
        search:
          trials: 2
          rungs: [1]
          space:
            filters_scale: {choice: [1, 16]}
            batch_size: {choice: [8, 65536]}
        """)
        XCTAssertEqual(e?.key, "search.space")
        XCTAssertTrue(e?.message.contains("the largest trial") == true && e?.message.contains("too large for memory") == true,
                      "\(String(describing: e))")
    }

    func testASearchBaselineMustNameAnotherCell() {
        let e = parseError("name: s\nsearch: {trials: 2, rungs: [1], baseline: nope, space: {dropout: {uniform: [0, 0.5]}}}")
        XCTAssertEqual(e?.key, "search.baseline")
    }

    /// Two trials that both failed in rung 1 have no rung to rank them by; the table must not index rung -1.
    func testTheSearchTableOrdersTrialsThatNeverScored() {
        let spec = SearchSpec(space: ["dropout": .uniform(low: 0, high: 0.5)], trials: 3, eta: 3, rungs: [1])
        func trial(_ t: Int, _ scores: [RungScore]) -> SearchRecord.Trial {
            SearchRecord.Trial(trial: t, params: ["dropout": 0.1], seed: 1, status: scores.isEmpty ? .failed : .complete, scores: scores,
                               curve: [])
        }
        let score = RungScore(trial: 2, validationAUC: 0.7, validationLoss: 1)
        let record = SearchRecord(spec: spec, trials: [trial(0, []), trial(1, []), trial(2, [score])],
                                  rungs: [.init(epochs: 1, ranking: [score], promoted: [2])], chosen: 2)
        let order = record.trials.sorted { a, b in
            a.scores.count != b.scores.count ? a.scores.count > b.scores.count : ReportRenderer.place(a,
                    in: record) < ReportRenderer.place(b, in: record)
        }.map(\.trial)
        XCTAssertEqual(order, [2, 0, 1])
    }

    func testTheReuseKeyLeavesOutPresentation() throws {
        let a = try parse("name: a\ntitle: One\nablation: g").experiments[0]
        let b = try parse("name: a\ntitle: Another\nablation: h").experiments[0]
        XCTAssertNotEqual(a, b)
        XCTAssertEqual(a.reuseKey, b.reuseKey)
        let c = try parse("name: a\ntitle: One\ntraining: {learning_rate: 0.01}").experiments[0]
        XCTAssertNotEqual(a.reuseKey, c.reuseKey)
        XCTAssertEqual(a.presented(as: b).title, "Another")
    }

    /// The report and `lab compare` call the same paired test, so they print the same interval.
    func testReportAndCompareShareThePairedTest() throws {
        var rng = SeededRNG(seed: 9)
        let clips = (0..<30).map { i -> ClipPrediction in
            var p = (0..<3).map { _ in rng.uniform(0.05, 1) }
            p[i % 3] += 0.6
            let s = p.reduce(0, +)
            return ClipPrediction(path: "c/\(i).au", sha256: "h\(i)", label: i % 3, probabilities: p.map { $0 / s })
        }
        let other = clips.map { c -> ClipPrediction in
            var d = c
            d.probabilities = c.probabilities.reversed()
            return d
        }
        let plan = BootstrapPlan(seed: 3, resamples: 300)
        let direct = try XCTUnwrap(PairedClipComparison.compare(clips, other, classCount: 3, plan: plan, on: engine))
        let aligned = try XCTUnwrap(PairedClipComparison.align(clips, other, classCount: 3))
        let viaCompare = try XCTUnwrap(PairedClipComparison.aucDifference(aligned, plan: plan, micro: false, on: engine))
        XCTAssertEqual(direct.macroAUCInterval, viaCompare.interval)
        XCTAssertEqual(direct.macroAUCP, viaCompare.p)
        // Different labels: not the same test set, so no paired test at all.
        var relabelled = other
        relabelled[0].label = (relabelled[0].label + 1) % 3
        XCTAssertNil(PairedClipComparison.compare(clips, relabelled, classCount: 3, plan: plan, on: engine))
    }

    func testMissingClassesHintNamesTheNotebook() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lab-hint-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try BuiltinCollection.write(to: root, clipsPerGenre: 2, seconds: 1, seed: 3, genres: ["blues", "metal"], threads: 2)
        var e = Experiment(name: "x")
        e.classes = ["blues", "classical"]
        XCTAssertThrowsError(try PreparedData.prepare(e.dataPlan(root: root), cacheDirectory: root + "-cache", on: engine)) { error in
            let hint = (error as? UserError)?.hint ?? ""
            XCTAssertTrue(hint.contains("notebook") && hint.contains("'classical'") && hint.contains("lab init"), hint)
        }
    }

    func testInitWritesTheStudyForAnyCollection() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lab-init-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try BuiltinCollection.write(to: root, clipsPerGenre: 2, seconds: 1, seed: 3, genres: ["blues", "jazz", "metal"], threads: 2)
        try FileManager.default.copyItem(atPath: root + "/jazz/jazz.00000.au", toPath: root + "/jazz/extra.au")
        let collection = try AudioCollection.scan(root: root)
        let notebook = try NotebookParser.parse(StarterNotebook.text(collection: collection, data: "songs"), file: "mine.lab.md")
        XCTAssertEqual(notebook.experiments.map(\.name), ["two-class", "multi-class"])
        XCTAssertEqual(notebook.experiments[0].classes, ["blues", "jazz"], "jazz has the most clips, then blues by name")
        XCTAssertNil(notebook.experiments[1].classes)
        XCTAssertEqual(notebook.experiments[0].data, .path("songs"))
    }

    func testACorruptCheckpointIsAnErrorNotATrap() throws {
        var rng = SeededRNG(seed: 1)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lab-ckpt-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = Model(config: ModelConfig(inputHeight: 8, inputWidth: 8, filters: [2], denseUnits: 4, classes: 2), rng: &rng)
        for length in [UInt64.max, UInt64(Int.max), 1 << 62, 0] {
            var bytes = withUnsafeBytes(of: length.littleEndian) { Data($0) }
            bytes.append(Data("{}".utf8))
            try bytes.write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try Checkpoint.load(path: path, model: model)) { XCTAssertTrue("\($0)".contains("not a usable checkpoint"),
                    "\($0)") }
            XCTAssertThrowsError(try Checkpoint.loadWeights(into: model, path: path))
        }
    }

    func testGCWaitsForTheWorkspaceLock() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lab-gc-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let held = try WorkspaceLock(workspace: Workspace(root: root))
        var gc = try GCCommand.parse(["-C", root])
        XCTAssertThrowsError(try gc.run()) { XCTAssertTrue("\($0)".contains("another lab process"), "\($0)") }
        withExtendedLifetime(held) {}
    }

    func testBothSlurmPathsGiveATrialItsCPUsAsThreads() throws {
        let flags = try SlurmFlags.parse(["--cpus-per-trial", "3"])
        XCTAssertEqual(flags.options(threads: 2).cpus, 3)
        XCTAssertEqual(try SlurmFlags.parse([]).options(threads: 2).cpus, 2)
        XCTAssertTrue(SlurmSubmission.rungScript(run: "1", rung: 1, retries: 0, threads: 3).contains("--threads 3"))
        let args = SlurmSubmission.sbatchArguments(name: "n", cpus: 3, options: flags.options(threads: 2), array: 4, log: "l",
                                                   workspace: Workspace(root: "/w"))
        XCTAssertEqual(args[args.firstIndex(of: "-c")! + 1], "3")
        XCTAssertTrue(args.contains("0-3"))
    }
}
