import ArgumentParser
import Core
import Foundation
import XCTest
@testable import Lab

/// A whole notebook on a tiny generated collection: report structure, links, numbers, determinism,
/// compare across commits, verify, and resume after an interruption.
final class EndToEndTests: XCTestCase {
    static let notebook = """
    # Tiny study

    Clip accuracy {{ tiny.test.accuracy }}, macro AUC {{ tiny.test.macro_auc }}, {{ tiny.epochs }} epochs.

    ```lab
    name: tiny
    title: Tiny
    data: {clips_per_genre: 5, seconds: 3}
    classes: [classical, metal, reggae]
    features: {n_mels: 32}
    segment: {seconds: 1, hop: 1}
    model: {filters: [4, 8], dense: 8, dropout: 0.2}
    training: {epochs: 3, batch_size: 8, patience: null}
    ```

    Closing prose.
    """

    var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("lab-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("reports"), withIntermediateDirectories: true)
        try Self.notebook.write(to: root.appendingPathComponent("reports/results.lab.md"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    func reproduce() throws -> (ResultsFile, String) {
        let run = NotebookRun(workspace: Workspace(root: root.path), quiet: true, command: "lab reproduce results", context: engine)
        let file = try run.run(notebookPath: root.appendingPathComponent("reports/results.lab.md").path, writeReport: true)
        return (file, try String(contentsOf: root.appendingPathComponent("reports/results.md"), encoding: .utf8))
    }

    /// The next steps on a tiny collection: an augmented harmonic cell and a log-mel reference in one
    /// ablation group. Only training clips are augmented, each copy recorded; the harmonic input
    /// reaches the network as H channels; a rerun from the cache gives the same bits;
    /// the report has the ablation table and its figure.
    func testAugmentationHarmonicFrontEndAndAblation() throws {
        let cells = """
        # Next

        ```lab
        name: plain
        data: {clips_per_genre: 5, seconds: 3}
        classes: [classical, metal, reggae]
        features: {n_mels: 32}
        segment: {seconds: 1, hop: 1}
        model: {filters: [4, 8], dense: 8, dropout: 0.2}
        training: {epochs: 2, batch_size: 8, patience: null}
        repeats: 2
        ablation: t
        ```

        ```lab
        name: both
        data: {clips_per_genre: 5, seconds: 3}
        classes: [classical, metal, reggae]
        features: {kind: harmonic, harmonics: 3, steps_per_semitone: 1}
        augment: {copies: 2, noise: {snr_db: [20, 30]}, pitch: {semitones: [-1, 1]}, stretch: {factor: [0.95, 1.05]}}
        segment: {seconds: 1, hop: 1}
        model: {filters: [4, 8], dense: 8, dropout: 0.2}
        training: {epochs: 2, batch_size: 8, patience: null}
        repeats: 2
        ablation: t
        ```
        """
        try cells.write(to: root.appendingPathComponent("reports/results.lab.md"), atomically: true, encoding: .utf8)
        let (file, markdown) = try reproduce()
        let ws = Workspace(root: root.path)
        let runs = ws.runIDs().map(ws.run)
        let both = try XCTUnwrap(runs.first { (try? $0.readManifest().experiment.name) == "both" })
        let manifest = try both.readManifest()
        let split = try JSONCoding.decoder.decode(DataSplit.self, from: Data(contentsOf: URL(fileURLWithPath: both.file("split.json"))))
        let augmented = try XCTUnwrap(manifest.augmented)
        XCTAssertEqual(augmented.count, 2 * split.train.count)
        XCTAssertEqual(Set(augmented.map(\.clip)), Set(split.train.map(\.relativePath)), "every training clip, and only those")
        XCTAssert(augmented.allSatisfy { $0.draw.semitones != nil && $0.draw.stretch != nil && $0.draw.snrDB != nil })
        XCTAssertEqual(manifest.model?.inputShape.first, 3, "three harmonic channels into the first convolution")
        let entry = try XCTUnwrap(file.experiments.first { $0.name == "both-r1" })
        // The clips and their two copies; a copy stretched shorter than 3 s gives one segment fewer.
        let plain = try XCTUnwrap(file.experiments.first { $0.name == "plain-r1" }?.segments["train"])
        XCTAssert((2 * plain + 1...3 * plain).contains(entry.segments["train"]!), "\(entry.segments) against \(plain)")
        XCTAssertEqual(entry.segments["test"], file.experiments.first { $0.name == "plain-r1" }?.segments["test"],
                       "test clips are not augmented")
        // The ablation: a table, a figure, and its numbers in results.json.
        let ablation = try XCTUnwrap(file.ablations?.first)
        XCTAssertEqual(ablation.variants.map(\.cell), ["plain", "both"])
        XCTAssertTrue(ablation.paired)
        XCTAssertEqual(ablation.variants[0].accuracy.difference, 0)
        XCTAssertTrue(markdown.contains("**Ablation `t`**") && markdown.contains("ablation_t.png"), markdown)
        let reference = try XCTUnwrap(runs.first { (try? $0.readManifest().experiment.runName) == "plain-r1" })
        // A report figure lives beside the report; a complete run's folder is never written again.
        XCTAssertEqual(try FigureHashes.hash(root.appendingPathComponent("reports/figures/results/ablation_t.png").path),
                       ablation.figureSHA256)
        XCTAssertTrue(markdown.contains("](figures/results/ablation_t.png)"), markdown)
        XCTAssertFalse(FileManager.default.fileExists(atPath: reference.file("ablation_t.png")))
        // Again from scratch (the feature cache, augmented copies included, kept): the same bits.
        for dir in runs { try FileManager.default.removeItem(atPath: dir.path) }
        let again = try reproduce().0
        XCTAssertEqual(try JSONCoding.encode(again.experiments), try JSONCoding.encode(file.experiments))
        XCTAssertEqual(again.ablations, file.ablations)
    }

    func testReportStructureLinksAndNumbers() throws {
        let (file, markdown) = try reproduce()
        XCTAssertTrue(markdown.contains("# Tiny study"))
        XCTAssertTrue(markdown.contains("Closing prose."))
        XCTAssertFalse(markdown.contains("{{"), "every placeholder is replaced")
        XCTAssertFalse(markdown.contains("```lab"))
        // Every image link resolves from the report's folder.
        let links = markdown.components(separatedBy: "](").dropFirst().map { String($0.prefix { $0 != ")" }) }
        XCTAssertEqual(links.filter { $0.hasSuffix(".png") }.count, 3)
        for link in links {
            XCTAssert(FileManager.default.fileExists(atPath: root.appendingPathComponent("reports").appendingPathComponent(link).path),
                      link)
        }
        // Numbers in the table equal metrics.json.
        let runID = try XCTUnwrap(links.first?.components(separatedBy: "/").dropFirst(2).first)
        let dir = RunDirectory(id: runID, path: root.appendingPathComponent("target/\(runID)").path)
        let metrics = try XCTUnwrap(try dir.readMetrics())
        func f(_ v: Double?) -> String { v.map { String(format: "%.3f", $0) } ?? "undefined" }
        func ci(_ i: Interval?) -> String { i.map { String(format: " [%.3f, %.3f]", $0.low, $0.high) } ?? "" }
        let macroRow = "| **macro** | \(f(metrics.validation.segment.macroAUC)) | \(f(metrics.validation.clip.macroAUC)) | "
            + "\(f(metrics.test.segment.macroAUC))\(ci(metrics.test.segment.intervals?.macroAUC)) | "
                    + "\(f(metrics.test.clip.macroAUC))\(ci(metrics.test.clip.intervals?.macroAUC)) |"
        XCTAssertTrue(markdown.contains(macroRow), macroRow)
        for (i, c) in metrics.classes.enumerated() {
            XCTAssertTrue(markdown.contains("| \(c) | \(f(metrics.validation.segment.perClassAUC[i])) |"), c)
        }
        XCTAssertTrue(markdown.contains("Clip accuracy \(f(metrics.test.clip.accuracy))"))
        XCTAssertEqual(file.experiments[0].test, metrics.test)
        // The run directory holds every promised file.
        for name in ["manifest.json", "metrics.json", "history.csv", "predictions.csv", "loss_history.png", "matrix.png", "roc.png",
                     "model.safetensors", "log.txt"] {
            XCTAssert(FileManager.default.fileExists(atPath: dir.file(name)), name)
        }
        let manifest = try dir.readManifest()
        XCTAssertEqual(manifest.status, .complete)
        XCTAssertEqual(manifest.classes, ["classical", "metal", "reggae"])
        let predictions = try String(contentsOfFile: dir.file("predictions.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(predictions.first, "path,true_label,p_classical,p_metal,p_reggae")
        XCTAssertEqual(predictions.count - 1, metrics.clips["test"])
    }

    func testRerunIsBitIdenticalAndVerifyCatchesAnEditedNumber() throws {
        _ = try reproduce()
        let json = root.appendingPathComponent("reports/results.json")
        let first = try Data(contentsOf: json)
        _ = try reproduce()
        XCTAssertEqual(try Data(contentsOf: json), first, "results.json is the same bytes on a rerun")

        let runsBefore = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("target").path).sorted()
        var verify = try VerifyCommand.parseAsRoot(["--against", "workspace", "--quiet", "-C", root.path]) as! VerifyCommand
        XCTAssertNoThrow(try verify.run())
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("target").path).sorted(), runsBefore,
                       "verify reruns in a scratch directory: no new run folder under target/")

        // Edit one committed number: verify must fail.
        var text = String(decoding: first, as: UTF8.self)
        let accuracy = try XCTUnwrap(text.range(of: "\"accuracy\" : "))
        let end = text[accuracy.upperBound...].firstIndex { $0 == "," || $0 == "\n" }!
        text.replaceSubrange(accuracy.upperBound..<end, with: "0.123456")
        try text.write(to: json, atomically: true, encoding: .utf8)
        verify = try VerifyCommand.parseAsRoot(["--against", "workspace", "--quiet", "-C", root.path]) as! VerifyCommand
        XCTAssertThrowsError(try verify.run()) { XCTAssertEqual(($0 as? ExitCode)?.rawValue, 1) }
    }

    func testCompareAcrossCommitsOfAGitRepository() throws {
        func git(_ args: String...) { XCTAssertEqual(Git.run(["-c", "user.email=t@example.com", "-c", "user.name=t"] + args,
                in: root.path).status, 0, args.joined(separator: " ")) }
        let (file, _) = try reproduce()
        git("init", "-q")
        git("add", "reports/results.json")
        git("commit", "-q", "-m", "first")
        var edited = file
        edited.experiments[0].test.clip.accuracy += 0.25
        try JSONCoding.encode(edited).write(to: root.appendingPathComponent("reports/results.json"))
        git("commit", "-q", "-am", "second")
        let ws = Workspace(root: root.path)
        let old = try ResultsSource.load("HEAD~1", results: Workspace.resultsJSON, workspace: ws), new = try ResultsSource.load("HEAD",
                results: Workspace.resultsJSON, workspace: ws)
        let changed = MetricsDiff.rows(old: old, new: new, on: engine).filter { $0.old != $0.new }
        XCTAssertEqual(changed.count, 1)
        XCTAssertEqual(changed[0].metric, "test.clip.accuracy")
        XCTAssertEqual(changed[0].change!, 0.25, accuracy: 1e-12)
        let md = MetricsDiff.format(changed, md: true, a: "HEAD~1", b: "HEAD")
        XCTAssertTrue(md.contains("| tiny | test.clip.accuracy |"))
        XCTAssertTrue(md.contains("+0.2500"))
        XCTAssertThrowsError(try ResultsSource.load("no-such-rev", results: Workspace.resultsJSON, workspace: ws))
        // The accuracy was edited by hand, not by the predictions: the paired test sees no clip change.
        XCTAssertEqual(changed[0].significance?.outsideNoise, false)
        XCTAssertTrue(changed[0].significance!.method.hasPrefix("McNemar"), changed[0].significance!.method)
    }

    /// `repeats: 3` with `resplit: true`: three runs with derived seeds and splits, a report with mean ± sd
    /// and each repeat's numbers, a band figure over the three loss histories, and mean placeholders.
    func testRepeatsWithDerivedSeedsAndSplits() throws {
        let notebook = Self.notebook.replacingOccurrences(of: "name: tiny\n", with: "name: tiny\nrepeats: 3\nresplit: true\n")
        try notebook.write(to: root.appendingPathComponent("reports/results.lab.md"), atomically: true, encoding: .utf8)
        let (file, markdown) = try reproduce()
        XCTAssertEqual(file.experiments.map(\.name), ["tiny-r1", "tiny-r2", "tiny-r3"])
        let seeds = file.experiments.map(\.config.training.seed), splits = file.experiments.map(\.config.splitSeed)
        XCTAssertEqual(seeds[0], TrainConfig().seed, "repeat 1 keeps the cell's seed")
        XCTAssertEqual(Set(seeds).count, 3)
        XCTAssertEqual(Set(splits).count, 3)
        XCTAssertEqual(splits[0], 42)
        XCTAssertNotEqual(file.experiments[1].testClips!.map(\.path), file.experiments[2].testClips!.map(\.path),
                          "resplit: other test clips")
        let accuracies = file.experiments.map { $0.test.clip.accuracy }
        let mean = ReportRenderer.meanSD(accuracies)
        XCTAssertTrue(markdown.contains("| test accuracy, clip | \(mean) | " + accuracies.map { String(format: "%.3f",
                $0) }.joined(separator: " | ") + " |"), markdown)
        XCTAssertTrue(markdown.contains("Clip accuracy \(mean)"), markdown)
        XCTAssertNotNil(file.experiments[0].figures?[ReportRenderer.bandFigureKey])
        let band = try XCTUnwrap(markdown.components(separatedBy: "(").first { $0.contains(ReportRenderer.bandFigureKey) })
        XCTAssertTrue(band.hasPrefix("figures/results/"), band)
        let bandFile = root.appendingPathComponent("reports").appendingPathComponent(String(band.prefix { $0 != ")" }))
        XCTAssertTrue(FileManager.default.fileExists(atPath: bandFile.path), band)
        // A second reproduce reuses all three runs and writes the same results.
        let (again, _) = try reproduce()
        XCTAssertEqual(again.experiments, file.experiments)
    }

    static let searchCell = """
    name: tuned
    title: Tuned
    data: {clips_per_genre: 5, seconds: 3}
    classes: [classical, metal, reggae]
    features: {n_mels: 32}
    segment: {seconds: 1, hop: 1}
    model: {filters: [4, 8], dense: 8, dropout: 0.2}
    training: {batch_size: 8}
    search:
      trials: 5
      eta: 2
      rungs: [1, 2, 3]
      seed: 4
      baseline: tiny
      space:
        dropout: {uniform: [0, 0.5]}
        dense: {choice: [4, 8]}
        learning_rate: {log_uniform: [0.0003, 0.01]}
    """

    /// `lab resume` on an interrupted search resumes it as a search (search.json, the chosen trial's
    /// metrics), not as its base configuration trained into the search's folder.
    func testResumeOnASearchRunResumesTheSearch() throws {
        let ws = Workspace(root: root.path)
        let alone = Self.searchCell.replacingOccurrences(of: "  baseline: tiny\n", with: "")
        let cell = try XCTUnwrap(try NotebookParser.parse("# s\n\n```lab\n\(alone)\n```\n", file: "nb.lab.md").experiments.first)
        var stopping = SearchRunner(workspace: ws, quiet: true, command: "t", context: engine)
        stopping.shouldStop = { ws.runIDs().contains { FileManager.default.fileExists(atPath: ws.run($0).file("rungs.json")) } }
        guard case .interrupted(let dir) = try stopping.run(cell) else { return XCTFail("search was not interrupted") }
        var resume = try ResumeCommand.parse([dir.id, "--quiet", "-C", root.path])
        try resume.run()
        let record = try XCTUnwrap(try SearchRunner.record(in: dir), "no search.json: the search was not resumed as a search")
        XCTAssertEqual(record.trials.count, 5)
        XCTAssertEqual(try dir.readManifest().status, .complete)
        XCTAssertEqual(try dir.readManifest().resumedOn?.count, 1)
        let metrics = try XCTUnwrap(try dir.readMetrics())
        XCTAssertEqual(metrics.epochsRun, 3, "the chosen trial's last rung")
    }

    /// A search cell: every trial sampled and recorded, rungs halved as eta says, the chosen trial
    /// evaluated on the test set, figures and tables in the report beside the baseline; a search
    /// stopped mid-rung resumes to the same bits; a second reproduce reuses it.
    func testSearchHalvesRecordsResumesAndReports() throws {
        let notebook = Self.notebook + "\n\n```lab\n\(Self.searchCell)\n```\n"
        try notebook.write(to: root.appendingPathComponent("reports/results.lab.md"), atomically: true, encoding: .utf8)
        let (file, markdown) = try reproduce()
        let entry = try XCTUnwrap(file.experiments.first { $0.name == "tuned" })
        let record = try XCTUnwrap(entry.search)
        XCTAssertEqual(record.trials.count, 5)
        XCTAssertEqual(record.rungs.map(\.ranking.count), [5, 2, 1])
        XCTAssertEqual(record.rungs.map(\.promoted.count), [2, 1, 1])
        XCTAssertEqual(record.rungs.last!.promoted, [record.chosen])
        XCTAssertEqual(record.rungs[1].ranking.first!.trial, record.chosen)
        XCTAssertEqual(record.trials[record.chosen].status, .complete)
        XCTAssertEqual(record.trials.filter { $0.status == .pruned }.count, 4)
        XCTAssertEqual(record.trials[record.chosen].curve.count, 3)
        XCTAssertEqual(entry.epochsRun, 3)
        XCTAssertNotNil(entry.test.clip.intervals)
        XCTAssertNotNil(entry.figures?["search_halving.png"])
        XCTAssertTrue(markdown.contains("**Search `tuned`**: 5 configurations"), markdown)
        XCTAssertTrue(markdown.contains("| \(record.chosen) (chosen) |"), markdown)
        XCTAssertTrue(markdown.contains("| test, clip | hand-tuned `tiny` | searched `tuned` |"), markdown)
        // The report and `lab compare` on the same pair of runs print the same paired test.
        let baseline = try XCTUnwrap(file.experiments.first { $0.name == "tiny" })
        var renamed = baseline
        renamed.name = "tuned"
        if let auc = Significance.of(metric: "test.clip.macro_auc", old: renamed,
                                     new: entry, on: engine), let i = auc.changeInterval, let p = auc.pValue {
            XCTAssertTrue(markdown.contains(String(format: "95%% interval [%+.3f, %+.3f], p = %.3g", i.low, i.high, p)),
                          "\(auc.text)\n\(markdown)")
        } else {
            XCTAssertTrue(markdown.contains("Both were tested on the same"), markdown)
        }
        if let acc = Significance.of(metric: "test.clip.accuracy", old: renamed, new: entry, on: engine), let p = acc.pValue {
            XCTAssertTrue(markdown.contains(String(format: "only for `tuned`, p = %.3g", p)), "\(acc.text)\n\(markdown)")
        }
        let ws = Workspace(root: root.path)
        let searchRuns = ws.runIDs().filter { (try? ws.run($0).readManifest())?.experiment.search != nil }
        XCTAssertEqual(searchRuns.count, 1)
        let dir = ws.run(searchRuns[0])
        for name in ["plan.json", "rungs.json", "search.json", "trials/000/config.json", "trials/000/status.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.file(name)), name)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("trials/000/checkpoint.safetensors")),
                       "resume points removed when done")

        // Stopped during rung 2, then resumed: the same record and metrics, bit for bit.
        let cell = try XCTUnwrap(try NotebookParser.load(path: root.appendingPathComponent("reports/results.lab.md").path).experiments.last)
        var stopping = SearchRunner(workspace: ws, quiet: true, command: "t", context: engine)
        stopping.shouldStop = {
            ws.runIDs().contains { id in
                ((try? String(contentsOfFile: ws.run(id).file("rungs.json"), encoding: .utf8)) ?? "").contains("\"epochs\" : 1")
                    && (try? ws.run(id).readManifest())?.status == .running
            }
        }
        guard case .interrupted(let stopped) = try stopping.run(cell) else { return XCTFail("search was not interrupted") }
        XCTAssertEqual(try stopped.readManifest().status, .interrupted)
        guard case .complete(let resumedDir, let resumed) = try SearchRunner(workspace: ws, quiet: true, command: "t",
                                                                             context: engine).run(cell,
                resuming: stopped) else {
            return XCTFail("resumed search did not complete")
        }
        XCTAssertEqual(try SearchRunner.record(in: resumedDir), record)
        XCTAssertEqual(resumed.test, entry.test)
        XCTAssertEqual(resumed.validation, entry.validation)

        let (again, _) = try reproduce()
        XCTAssertEqual(again.experiments, file.experiments)
    }

    /// A trial that fails (here: its checkpoint is corrupted between rungs) is marked failed with its
    /// error and ranked no further; the search finishes with the others, and `lab search status` shows it.
    func testAFailedTrialIsRecordedAndTheSearchGoesOn() throws {
        let ws = Workspace(root: root.path)
        let alone = Self.searchCell.replacingOccurrences(of: "  baseline: tiny\n", with: "") // no baseline cell in this notebook
        let cell = try XCTUnwrap(try NotebookParser.parse("# s\n\n```lab\n\(alone)\n```\n", file: "nb.lab.md").experiments.first)
        var stopping = SearchRunner(workspace: ws, quiet: true, command: "t", context: engine)
        stopping.shouldStop = {
            ws.runIDs().contains { ((try? String(contentsOfFile: ws.run($0).file("rungs.json"),
                                                 encoding: .utf8)) ?? "").contains("\"epochs\" : 1") }
        }
        guard case .interrupted(let dir) = try stopping.run(cell) else { return XCTFail("search was not interrupted") }
        let rungs = try JSONCoding.decoder.decode([SearchRecord.Rung].self,
                from: Data(contentsOf: URL(fileURLWithPath: dir.file("rungs.json"))))
        let victim = rungs[0].promoted[0], survivor = rungs[0].promoted[1]
        try Data("not a checkpoint".utf8).write(to: URL(fileURLWithPath: dir.file(String(format: "trials/%03d/checkpoint.safetensors",
                                                                                         victim))))
        guard case .complete = try SearchRunner(workspace: ws, quiet: true, command: "t", context: engine).run(cell, resuming: dir) else {
            return XCTFail("the search did not finish without the failed trial")
        }
        let record = try XCTUnwrap(try SearchRunner.record(in: dir))
        XCTAssertEqual(record.trials[victim].status, .failed)
        XCTAssertTrue(record.trials[victim].error?.contains("checkpoint") == true, record.trials[victim].error ?? "")
        XCTAssertEqual(record.chosen, survivor)
        let status = try captureStandardOutput {
            var command = try SearchStatusCommand.parse([dir.id, "-C", root.path])
            try command.run()
        }
        XCTAssertTrue(status.contains("failed") && status.contains("chosen") && status.contains("1 chosen, 1 failed, 3 pruned"), status)
    }

    /// Every test metric carries an interval in results.json and the report; `lab compare` pairs two
    /// results on the same clips (McNemar, paired bootstrap) and falls back to interval overlap.
    func testIntervalsAndNoiseInComparisons() throws {
        let (file, markdown) = try reproduce()
        let e = file.experiments[0]
        let clip = try XCTUnwrap(e.test.clip.intervals), segment = try XCTUnwrap(e.test.segment.intervals)
        XCTAssertTrue(clip.accuracy.low <= e.test.clip.accuracy && e.test.clip.accuracy <= clip.accuracy.high)
        XCTAssertTrue(segment.accuracy.low <= e.test.segment.accuracy && e.test.segment.accuracy <= segment.accuracy.high)
        XCTAssertEqual(clip.perClassAUC.count, 3)
        XCTAssertNil(e.validation.clip.intervals)
        XCTAssertEqual(e.bootstrap, BootstrapPlan())
        XCTAssertEqual(e.testClips?.count, e.clips["test"])
        XCTAssertTrue(markdown.contains(String(format: "%.3f [%.3f, %.3f]", e.test.clip.accuracy, clip.accuracy.low, clip.accuracy.high)),
                      markdown)
        XCTAssertTrue(markdown.contains("1000 resamples, seed 1"))

        // B: the same clips, every prediction turned to the true class: McNemar on the flipped clips.
        var better = file
        let k = e.classes.count
        better.experiments[0].testClips = e.testClips!.map { c in
            var c = c
            c.probabilities = (0..<k).map { $0 == c.label ? 0.9 : 0.1 / Double(k - 1) }
            return c
        }
        let wrong = e.testClips!.filter { argmax($0.probabilities, offset: 0, count: k) != $0.label }.count
        better.experiments[0].test.clip.accuracy = 1
        better.experiments[0].test.clip.macroAUC = 1
        let rows = MetricsDiff.rows(old: file, new: better, on: engine).filter { $0.old != $0.new }
        let accuracy = try XCTUnwrap(rows.first { $0.metric == "test.clip.accuracy" }?.significance)
        XCTAssertEqual(accuracy.pValue!, min(1, 2 * pow(0.5, Double(wrong))), accuracy: 1e-12) // b = 0, c = wrong
        XCTAssertTrue(accuracy.method.contains("0 clips right only before, \(wrong) only after"), accuracy.method)
        if e.test.clip.macroAUC! < 1 {
            let auc = try XCTUnwrap(rows.first { $0.metric == "test.clip.macro_auc" }?.significance)
            XCTAssertTrue(auc.method.hasPrefix("paired bootstrap"))
            XCTAssertNotNil(auc.changeInterval)
        }
        let text = MetricsDiff.format(rows, md: true, a: "A", b: "B")
        XCTAssertTrue(text.contains("McNemar exact"), text)
        let json = String(decoding: try JSONCoding.encode(rows), as: UTF8.self)
        XCTAssertTrue(json.contains("\"pValue\""), json)

        // Different test clips: only the intervals can say, by overlapping or not.
        var elsewhere = better
        elsewhere.experiments[0].testClips![0].path = "elsewhere.au"
        elsewhere.experiments[0].test.clip.intervals!.accuracy = Interval(low: 2, high: 3)
        let apart = try XCTUnwrap(MetricsDiff.rows(old: file, new: elsewhere,
                                                   on: engine).first { $0.metric == "test.clip.accuracy" }?.significance)
        XCTAssertTrue(apart.method.hasPrefix("interval overlap"))
        XCTAssertTrue(apart.outsideNoise)
    }

    func testResumeAfterInterruptionMatchesAnUninterruptedRun() throws {
        let ws = Workspace(root: root.path)
        let nb = try NotebookParser.load(path: root.appendingPathComponent("reports/results.lab.md").path)
        let e = nb.experiments[0]
        guard case .complete(_, let full) = try ExperimentRunner(workspace: ws, quiet: true, command: "t", context: engine).run(e) else {
            return XCTFail("uninterrupted run did not complete")
        }
        var stopping = ExperimentRunner(workspace: ws, quiet: true, command: "t", context: engine)
        // Stop once the first epoch's checkpoint exists: during epoch 2.
        stopping.shouldStop = { ws.runIDs().contains { FileManager.default.fileExists(atPath: ws.run($0).file("checkpoint.safetensors")) } }
        guard case .interrupted(let dir) = try stopping.run(e) else { return XCTFail("run was not interrupted") }
        XCTAssertEqual(try dir.readManifest().status, .interrupted)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.file("checkpoint.safetensors")))
        guard case .complete(_, let resumed) = try ExperimentRunner(workspace: ws, quiet: true, command: "t",
                                                                    context: engine).resume(dir) else {
            return XCTFail("resume did not complete")
        }
        XCTAssertEqual(resumed.test, full.test)
        XCTAssertEqual(resumed.validation, full.validation)
        XCTAssertEqual(resumed.epochsRun, full.epochsRun)
        XCTAssertEqual(try dir.readManifest().status, .complete)
    }

    /// `lab runs`, `lab show RUN` and `lab log` as a user types them, in a workspace with one run and
    /// a git history of the report.
    func testRunsShowAndLogThroughTheCommandLine() throws {
        let (file, markdown) = try reproduce()
        let runID = try XCTUnwrap(GarbageCollection.runIDs(in: markdown).first)
        func git(_ args: String...) { XCTAssertEqual(Git.run(["-c", "user.email=t@example.com", "-c", "user.name=t"] + args,
                in: root.path).status, 0) }
        git("init", "-q")
        git("add", "reports/results.json")
        git("commit", "-q", "-m", "first report")
        func run(_ args: [String]) throws -> String {
            var command = try LabCommand.parseAsRoot(args + ["-C", root.path])
            return try captureStandardOutput { try command.run() }
        }
        let runs = try run(["runs"])
        XCTAssertTrue(runs.contains(runID) && runs.contains("tiny") && runs.contains("complete"), runs)
        XCTAssertTrue(runs.contains(String(format: "%.3f", file.experiments[0].test.clip.accuracy)), runs)
        let show = try run(["show", runID])
        XCTAssertTrue(show.contains("run \(runID): tiny (complete)"), show)
        XCTAssertTrue(show.contains("classes classical, metal, reggae"), show)
        let log = try run(["log"])
        XCTAssertTrue(log.contains("first report"), log)
        XCTAssertThrowsError(try run(["show", "no-such-run"]))
    }

    /// Broken and too-short clips are found before the split: they take no split place, the run
    /// lists them with their reasons, and a class left without clips for a split is a clear error.
    func testBadClipsAreSetAsideBeforeTheSplit() throws {
        let data = root.appendingPathComponent("collection").path
        try BuiltinCollection.write(to: data, clipsPerGenre: 5, seconds: 3, seed: 3, genres: ["classical", "metal", "reggae"], threads: 2)
        try "not audio at all\n".write(toFile: data + "/metal/notes.wav", atomically: true, encoding: .utf8)
        try AudioIO.write(AudioClip(samples: [Float](repeating: 0.1, count: 2205), sampleRate: 22050), to: data + "/reggae/short.wav",
                          format: .wav16)
        let ws = Workspace(root: root.path)
        var e = try NotebookParser.load(path: root.appendingPathComponent("reports/results.lab.md").path).experiments[0]
        e.data = .path(data)
        guard case .complete(let dir, let metrics) = try ExperimentRunner(workspace: ws, quiet: true, command: "t",
                                                                          context: engine).run(e) else {
            return XCTFail("run did not complete")
        }
        let skipped = try dir.readManifest().skipped
        XCTAssertEqual(Set(skipped.map(\.relativePath)), ["metal/notes.wav", "reggae/short.wav"], "\(skipped)")
        XCTAssertTrue(skipped.first { $0.relativePath == "reggae/short.wav" }!.reason.contains("shorter than one"))
        // 15 good clips are split; the two bad ones took no place.
        XCTAssertEqual(metrics.clips.values.reduce(0, +), 15)
        let split = try String(contentsOfFile: dir.file("split.json"), encoding: .utf8)
        XCTAssertFalse(split.contains("notes.wav") || split.contains("short.wav"))

        // A class with one usable clip cannot fill three splits.
        for i in 1..<5 { try FileManager.default.removeItem(atPath: data + "/classical/classical.0000\(i).au") }
        XCTAssertThrowsError(try ExperimentRunner(workspace: ws, quiet: true, command: "t", context: engine).run(e)) { err in
            XCTAssertTrue("\(err)".contains("class classical: 1/0/0 clips"), "\(err)")
        }
    }

    /// A target/ nothing can be written in (here a plain file where the folder should be; as root,
    /// permissions alone would not stop the write) is one clear error naming it, not a hang.
    func testUnwritableTargetIsAClearError() throws {
        try Data("not a folder".utf8).write(to: root.appendingPathComponent("target"))
        let run = NotebookRun(workspace: Workspace(root: root.path), quiet: true, command: "t", context: engine)
        XCTAssertThrowsError(try run.run(notebookPath: root.appendingPathComponent("reports/results.lab.md").path,
                                         writeReport: true)) { e in
            XCTAssertTrue("\(e)".contains("target") && "\(e)".contains("cannot create"), "\(e)")
        }
    }

    func testMissingDataPathIsAClearError() throws {
        let run = NotebookRun(workspace: Workspace(root: root.path), quiet: true, dataOverride: "no/such/dir", command: "t",
                              context: engine)
        XCTAssertThrowsError(try run.run(notebookPath: root.appendingPathComponent("reports/results.lab.md").path,
                                         writeReport: true)) { e in
            XCTAssertTrue("\(e)".contains("no/such/dir"), "\(e)")
        }
    }
}

/// What `body` prints to standard output (through a temporary file, since commands use `print`).
func captureStandardOutput(_ body: () throws -> Void) throws -> String { try capture(STDOUT_FILENO, body) }

/// What `body` writes to standard error (progress lines, warnings).
func captureStandardError(_ body: () throws -> Void) throws -> String { try capture(STDERR_FILENO, body) }

private func capture(_ fd: Int32, _ body: () throws -> Void) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("lab-capture-\(UUID().uuidString)").path
    FileManager.default.createFile(atPath: path, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: path) }
    fflush(stdout)
    fflush(stderr)
    let saved = dup(fd), file = open(path, O_WRONLY)
    dup2(file, fd)
    close(file)
    defer { fflush(stdout); fflush(stderr); dup2(saved, fd); close(saved) }
    try body()
    fflush(stdout)
    fflush(stderr)
    return try String(contentsOfFile: path, encoding: .utf8)
}
