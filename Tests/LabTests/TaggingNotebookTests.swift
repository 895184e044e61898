import ArgumentParser
import Core
import Foundation
import XCTest
@testable import Lab

/// `task: tagging` through the real entry point: a notebook on the built-in tagging set and on
/// MagnaTagATune- and MTG-Jamendo-shaped folders, its report, results.json, figures and
/// predictions.csv, `lab verify`, `lab compare` and `lab predict` on a tagging model, and the clear
/// line for what a tagging cell cannot ask for.
final class TaggingNotebookTests: WorkspaceTestCase {
    private func lab(_ args: [String]) throws -> String {
        var command = try LabCommand.parseAsRoot(args + ["-C", root])
        return try captureStandardOutput { try command.run() }
    }

    private static let small = """
    features: {n_mels: 16}
    segment: {seconds: 1, hop: 1}
    model: {filters: [4], dense: 8, dropout: 0.2}
    training: {epochs: 2, batch_size: 8, patience: null}
    """

    private func write(_ name: String, cells: [String]) throws {
        let text = "# \(name)\n\n" + cells.map { "```lab\n\($0)\n```\n" }.joined(separator: "\nProse.\n\n")
        try text.write(toFile: root + "/reports/\(name).lab.md", atomically: true, encoding: .utf8)
    }

    private func results(_ name: String) throws -> ResultsFile {
        try ResultsFile.load(Data(contentsOf: URL(fileURLWithPath: root + "/reports/\(name).json")), source: name)
    }

    func testABuiltinTaggingNotebookReportsEveryTagAndVerifies() throws {
        try write("tags", cells: ["name: cnn\ndata: {builtin: tagging, clips: 40, seconds: 3}\n" + Self.small])
        let out = try lab(["reproduce", "tags", "--quiet"])
        XCTAssertTrue(out.contains("cnn: test macro ROC-AUC ") && out.contains("test macro PR-AUC "), out)
        let entry = try XCTUnwrap(results("tags").experiments.first)
        let tagging = try XCTUnwrap(entry.tagging, "a tagging run records its per-tag figures")
        XCTAssertEqual(entry.classes, BuiltinTaggingCollection.tags)
        let k = entry.classes.count
        XCTAssertEqual(tagging.test.clip.rocAUC.count, k)
        XCTAssertEqual(tagging.test.clip.averagePrecision.count, k)
        XCTAssertEqual(tagging.trainingClips.count, k)
        XCTAssertEqual(tagging.test.clip.positives.reduce(0, +), (entry.testClips ?? []).map { $0.tags?.count ?? 0 }.reduce(0, +))
        XCTAssertNotNil(tagging.test.intervals?.macroROCAUC)
        // The headline is the same number the per-tag record averages.
        XCTAssertEqual(entry.test.clip.macroAUC, tagging.test.clip.macroROCAUC)
        XCTAssertEqual(Set(entry.figures?.keys.map { $0 } ?? []), ["loss_history.png", "tags.png", "pr.png", "roc.png"])
        let run = try XCTUnwrap(RunStore(workspace: Workspace(root: root)).ids.first)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/target/\(run)/matrix.png"), "no confusion matrix for tags")
        let csv = try String(contentsOfFile: root + "/target/\(run)/predictions.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.first.map(String.init), "path,tags," + entry.classes.map { "p_\($0)" }.joined(separator: ","))
        XCTAssertEqual(csv.count - 1, entry.clips["test"])

        let report = try String(contentsOfFile: root + "/reports/tags.md", encoding: .utf8)
        XCTAssertTrue(report.contains("| tag | test ROC-AUC | test PR-AUC | test clips with the tag | training clips with it |"), report)
        for tag in entry.classes { XCTAssertTrue(report.contains("| `\(tag)` |"), "a row for \(tag)") }
        XCTAssertFalse(report.contains("nan") || report.contains("NaN"))
        // A tag no test clip carries is undefined and says why, never 0.
        for (t, positives) in tagging.test.clip.positives.enumerated() where positives == 0 {
            XCTAssertTrue(report.contains("| `\(entry.classes[t])` | undefined: no test clip has it |"), report)
        }
        _ = try lab(["verify", "tags", "--against", "workspace", "--quiet"])

        // predict: the top tags, a threshold's tag set, every tag in JSON; a threshold on nothing else.
        let clip = root + "/target/data/builtin-tagging-v1-40x3s-seed1/" + BuiltinTaggingCollection.fileName(index: 0)
        let top = try lab(["predict", "cnn", clip, "--top", "3", "--quiet"])
        XCTAssertEqual(top.split(separator: "\n").filter { $0.hasPrefix("  ") }.count, 3, top)
        let picked = try lab(["predict", "cnn", clip, "--threshold", "0", "--quiet"])
        XCTAssertTrue(picked.contains("tags at or above 0.00: ") && entry.classes.allSatisfy { picked.contains($0) }, picked)
        let json = try lab(["predict", "cnn", clip, "--json", "--threshold", "1", "--quiet"])
        let parsed = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let files = try XCTUnwrap(parsed["files"] as? [[String: Any]])
        XCTAssertEqual(parsed["task"] as? String, "tagging")
        XCTAssertEqual((files[0]["tags"] as? [String])?.count, 0, "no tag reaches 1")
        XCTAssertEqual((files[0]["probabilities"] as? [String: Double])?.count, entry.classes.count, "every tag in JSON")
        XCTAssertThrowsError(try lab(["predict", "cnn", clip, "--threshold", "1.5"])) { XCTAssertTrue("\($0)".contains("0 to 1"), "\($0)") }

        // A hand-edited metrics.json with per-tag lists shorter or longer than the tags is read and
        // reported (the missing ones undefined), never a trap.
        let metricsPath = root + "/target/\(run)/metrics.json"
        var metrics = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: metricsPath)))
                                        as? [String: Any])
        var record = try XCTUnwrap(metrics["tagging"] as? [String: Any]), test = try XCTUnwrap(record["test"] as? [String: Any])
        var clipLevel = try XCTUnwrap(test["clip"] as? [String: Any])
        clipLevel["rocAUC"] = [0.5, 0.6]
        clipLevel["averagePrecision"] = Array(repeating: 0.5, count: k + 3)
        test["clip"] = clipLevel
        record["test"] = test
        record["trainingClips"] = [1]
        metrics["tagging"] = record
        try JSONSerialization.data(withJSONObject: metrics).write(to: URL(fileURLWithPath: metricsPath))
        _ = try lab(["reproduce", "tags", "--quiet"])
        let edited = try String(contentsOfFile: root + "/reports/tags.md", encoding: .utf8)
        XCTAssertTrue(edited.contains("| `\(entry.classes[0])` | 0.500 |") && edited.contains("| tag | test ROC-AUC"), edited)
        for tag in entry.classes { XCTAssertTrue(edited.contains("| `\(tag)` |"), "every tag keeps its row: \(tag)") }
    }

    /// `lab compare` of two tagging runs on the same clips: the two macro figures with a paired
    /// bootstrap, and the tags that moved most.
    func testCompareHeadlinesMacroROCAndPRWithPairedTests() throws {
        try write("tags", cells: ["name: cnn\ndata: {builtin: tagging, clips: 40, seconds: 3}\n" + Self.small])
        _ = try lab(["reproduce", "tags", "--quiet"])
        try write("tags", cells: ["name: cnn\ndata: {builtin: tagging, clips: 40, seconds: 3}\n"
                                  + Self.small.replacingOccurrences(of: "epochs: 2", with: "epochs: 3")])
        _ = try lab(["reproduce", "tags", "--quiet"])
        let ids = RunStore(workspace: Workspace(root: root)).ids
        XCTAssertEqual(ids.count, 2)
        let out = try lab(["compare", ids[1], ids[0], "--notebook", "tags"])
        XCTAssertTrue(out.contains("test macro ROC-AUC") && out.contains("test macro PR-AUC"), out)
        XCTAssertFalse(out.contains("test clip accuracy"), out)
        XCTAssertFalse(out.contains("p = 0)"), "a bootstrap p below 1/resamples reads p < 0.001: \(out)")
        XCTAssertTrue(out.contains("tags that moved most, cnn"), out)
        XCTAssertTrue(out.contains("`cnn`: config: training.epochs: 2 → 3, same data, tested on the same clips (paired tests)"), out)
        let json = try lab(["compare", ids[1], ids[0], "--notebook", "tags", "--json"])
        XCTAssertTrue(json.contains("\"metric\" : \"test.clip.macro_pr_auc\""), json)
        XCTAssertTrue(json.contains("paired bootstrap over the same"), json)
    }

    /// An MTAT-shaped folder (the tab-separated annotations_final.csv, several tags a clip) with
    /// `tags: {top: N}` and no `task:` (inferred from the clips' several tags), and a Jamendo-shaped
    /// one with its three split files and `split: metadata`.
    func testMetadataShapedTaggingNotebooks() throws {
        try BuiltinTaggingCollection.write(to: root + "/synth", clips: 24, seconds: 3, seed: 3, threads: 2)
        let rows = try String(contentsOfFile: root + "/synth/labels.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        let clips = rows.map { row -> (path: String, tags: [String]) in
            let fields = row.split(separator: ",", maxSplits: 1).map(String.init)
            return (fields[0], fields[1].split(separator: ";").map(String.init))
        }
        let tags = BuiltinTaggingCollection.tags
        var mtat = "\"clip_id\"\t" + tags.map { "\"\($0)\"" }.joined(separator: "\t") + "\t\"mp3_path\"\n"
        for (i, c) in clips.enumerated() {
            mtat += "\"\(i)\"\t" + tags.map { c.tags.contains($0) ? "\"1\"" : "\"0\"" }.joined(separator: "\t") + "\t\"\(c.path)\"\n"
        }
        try mtat.write(toFile: root + "/annotations_final.csv", atomically: true, encoding: .utf8)
        try write("mtat", cells: ["name: mtat\ndata: {path: synth, labels: annotations_final.csv}\ntags: {top: 4}\n" + Self.small])
        _ = try lab(["reproduce", "mtat", "--quiet"])
        let entry = try XCTUnwrap(results("mtat").experiments.first)
        XCTAssertNotNil(entry.tagging, "several tags a clip: a tagging run without `task:`")
        var counts: [String: Int] = [:]
        for c in clips { for t in c.tags { counts[t, default: 0] += 1 } }
        let top4 = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(4).map(\.key).sorted()
        XCTAssertEqual(entry.classes, top4)

        // Jamendo: three split files side by side, each with the header; the split is theirs.
        let header = "TRACK_ID\tARTIST_ID\tALBUM_ID\tPATH\tDURATION\tTAGS\n"
        for (s, split) in ["train", "validation", "test"].enumerated() {
            let part = clips.enumerated().filter { i, _ in (i % 4 == 3 ? 2 : i % 4 == 2 ? 1 : 0) == s }
            // Only test clips carry `mood/theme---live`: no model can learn it, and the report says so.
            let text = header + part.map { i, c in
                "track_\(i)\tartist_\(i)\talbum_\(i)\t\(c.path)\t3.0\t" + c.tags.map { "instrument---\($0)" }.joined(separator: "\t")
                    + (split == "test" ? "\tmood/theme---live" : "")
            }.joined(separator: "\n") + "\n"
            try text.write(toFile: root + "/autotagging-\(split).tsv", atomically: true, encoding: .utf8)
        }
        try write("jamendo", cells: ["name: jam\ntask: tagging\ndata: {path: synth, labels: autotagging-train.tsv}\nsplit: metadata\n"
                                     + "tags: {top: 5}\n" + Self.small])
        _ = try lab(["reproduce", "jamendo", "--quiet"])
        let jam = try XCTUnwrap(results("jamendo").experiments.first)
        XCTAssertEqual(jam.clips, ["train": 12, "validation": 6, "test": 6])
        XCTAssertTrue(jam.classes.allSatisfy { $0.hasPrefix("instrument---") } && jam.classes.count == 5, "\(jam.classes)")
        XCTAssertNotNil(jam.tagging)

        // A tag no training clip carries is named in the report.
        try write("live", cells: ["name: live\ndata: {path: synth, labels: autotagging-train.tsv}\nsplit: metadata\n"
                                  + "classes: [instrument---bass, instrument---drums, mood/theme---live]\n" + Self.small])
        _ = try lab(["reproduce", "live", "--quiet"])
        let live = try XCTUnwrap(results("live").experiments.first?.tagging)
        XCTAssertEqual(live.trainingClips[2], 0)
        XCTAssertEqual(live.test.clip.positives[2], 6)
        let report = try String(contentsOfFile: root + "/reports/live.md", encoding: .utf8)
        XCTAssertTrue(report.contains("No training clip carries `mood/theme---live`: the model could not learn it."), report)
    }

    /// `lab init --labels` on a file that gives clips several tags writes a tagging notebook.
    func testInitWritesATaggingNotebookForSeveralTagsAClip() throws {
        try BuiltinTaggingCollection.write(to: root + "/synth", clips: 12, seconds: 3, seed: 2, threads: 2)
        let out = try lab(["init", "reports/t.lab.md", "--data", "synth", "--labels", "synth/labels.csv", "--quiet"])
        XCTAssertTrue(out.contains("wrote reports/t.lab.md: "), out)
        XCTAssertTrue(out.contains("tags (several a clip: a tagging notebook), 12 usable clips"), out)
        let text = try String(contentsOfFile: root + "/reports/t.lab.md", encoding: .utf8)
        let cells = try NotebookParser.parse(text, file: "t.lab.md").experiments
        XCTAssertEqual(cells.map(\.name), ["cnn", "resnet"])
        let data = DataSource.labelled(path: "synth", labels: "synth/labels.csv", subset: nil)
        XCTAssertTrue(cells.allSatisfy { $0.task == .tagging && $0.data == data })
        XCTAssertEqual(cells[0].tags?.top, Set((try String(contentsOfFile: root + "/synth/labels.csv", encoding: .utf8))
            .split(separator: "\n").dropFirst().flatMap { $0.split(separator: ",")[1].split(separator: ";") }).count)
    }

    /// What a tagging cell cannot ask for is the notebook's own line, before anything runs.
    func testWhatATaggingCellCannotAskForIsOneLine() throws {
        for (cell, expected) in [
            ("task: tagging", "task: tagging needs clips with tags"),
            ("data: {builtin: tagging}\ntask: classification", "task: the built-in tagging set gives a clip several tags"),
            ("data: {builtin: tagging}\ntraining: {mixup: 0.2}", "training.mixup: mixup blends one class per sample"),
            ("data: {builtin: tagging}\nevaluation: {aggregate: max}", "evaluation.aggregate: a tagging clip's score is the mean"),
            ("data: {builtin: tagging}\nclasses: [bass, drums]\ntags: {top: 3}", "tags: use one of `classes:`"),
            ("tags: {top: 3}", "tags: `tags: {top: N}` keeps a metadata file's most frequent tags"),
            ("data: {builtin: tagging, clips_per_genre: 3}", "data.clips_per_genre: the built-in tagging set takes"),
            ("data: {builtin: genres, clips: 3}", "data.clips: `clips` sizes the built-in tagging set"),
            ("data: {builtin: songs}", "data.builtin: expected genres or tagging"),
            ("task: tags", "task: expected classification or tagging"),
        ] {
            let text = "```lab\nname: x\n\(cell)\n```\n"
            XCTAssertThrowsError(try NotebookParser.parse(text, file: "n.lab.md")) {
                XCTAssertTrue("\($0)".hasPrefix("n.lab.md:") && "\($0)".contains(expected) && !"\($0)".contains("\n"), "\($0)")
            }
        }
        let cell = try NotebookParser.parse("```lab\nname: x\ndata: {builtin: tagging, clips: 50}\ntags: {top: 5}\n```\n", file: "n")
            .experiments[0]
        XCTAssertEqual(cell.data, .builtinTagging(clips: 50, seconds: 10, seed: 1))
        XCTAssertEqual(cell.tags, TagSelection(top: 5))
        let json = try JSONCoding.encode(cell)
        XCTAssertEqual(try JSONCoding.decoder.decode(Experiment.self, from: json), cell)
        XCTAssertFalse(String(decoding: try JSONCoding.encode(Experiment(name: "y")), as: UTF8.self).contains("task"),
                       "a classification cell's JSON is as it was")
    }
}

/// docs/mtat.lab.md, the notebook for MagnaTagATune in Won et al.'s setting, on an MTAT-shaped
/// folder: the real tab-separated annotations_final.csv, mp3s under hex folders, a `path,split`
/// file as its set-up converts Won et al.'s lists into, one clip the split leaves out.
final class MTATNotebookTests: WorkspaceTestCase {
    func testTheMTATNotebookOnAnMTATShapedFolder() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/mtat.lab.md").path
        let original = try String(contentsOfFile: docs, encoding: .utf8)
        let cells = try NotebookParser.parse(original, file: "mtat.lab.md").experiments
        XCTAssertEqual(cells.map(\.model.network), [.cnn, .shortChunkResNet])
        for cell in cells {
            XCTAssertEqual(cell.tags, TagSelection(top: 50))
            XCTAssertEqual(cell.task, .tagging)
            XCTAssertEqual(cell.features.sampleRate, 16000)
            XCTAssertEqual(cell.segmentSeconds, 3.69)
        }
        try BuiltinTaggingCollection.write(to: root + "/synth", clips: 16, seconds: 4, seed: 9, threads: 2)
        let rows = try String(contentsOfFile: root + "/synth/labels.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        let tags = BuiltinTaggingCollection.tags
        var annotations = "\"clip_id\"\t" + tags.map { "\"\($0)\"" }.joined(separator: "\t") + "\t\"mp3_path\"\n", split = ""
        for (i, row) in rows.enumerated() {
            let fields = row.split(separator: ",", maxSplits: 1).map(String.init)
            let path = "\(String(i % 16, radix: 16))/artist_\(i)-album-0\(i)-song-0-29.mp3"
            try FileManager.default.createDirectory(atPath: root + "/mtat/" + (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try AudioIO.write(try AudioIO.decode(path: root + "/synth/" + fields[0]), to: root + "/mtat/" + path, format: .mp3)
            let on = Set(fields[1].split(separator: ";").map(String.init))
            annotations += "\"\(i)\"\t" + tags.map { on.contains($0) ? "\"1\"" : "\"0\"" }.joined(separator: "\t") + "\t\"\(path)\"\n"
            if i < 15 { split += "\(path),\(i < 9 ? "train" : i < 12 ? "validation" : "test")\n" } // clip 15: not in the split
        }
        try annotations.write(toFile: root + "/mtat/annotations_final.csv", atomically: true, encoding: .utf8)
        try split.write(toFile: root + "/mtat/split.csv", atomically: true, encoding: .utf8)
        // The paper's networks, shrunk so the test takes seconds: every other line as written.
        var text = original
        for (from, to) in [("[128, 128, 256, 256, 256, 256, 512]", "[2, 2, 2, 2, 2, 2, 2]"), ("[128, 128, 256, 256, 256, 256, 256]",
                                                                                            "[2, 2, 2, 2, 2, 2, 2]"),
                           ("dense: 512", "dense: 4"), ("dense: 256", "dense: 4"), ("epochs: 100", "epochs: 1"), ("batch_size: 16",
                                                                                                                  "batch_size: 8")] {
            XCTAssertTrue(text.contains(from), from)
            text = text.replacingOccurrences(of: from, with: to)
        }
        try FileManager.default.createDirectory(atPath: root + "/docs", withIntermediateDirectories: true)
        try text.write(toFile: root + "/docs/mtat.lab.md", atomically: true, encoding: .utf8)
        var command = try LabCommand.parseAsRoot(["reproduce", "docs/mtat.lab.md", "--quiet", "-C", root])
        _ = try captureStandardOutput { try command.run() }
        let file = try ResultsFile.load(Data(contentsOf: URL(fileURLWithPath: root + "/docs/mtat.json")), source: "mtat.json")
        XCTAssertEqual(file.experiments.map(\.name), ["short-chunk-cnn", "short-chunk-resnet"])
        for entry in file.experiments {
            XCTAssertNotNil(entry.tagging)
            XCTAssertEqual(entry.clips, ["train": 9, "validation": 3, "test": 3])
            XCTAssertTrue(entry.skipped.contains { $0.relativePath.hasPrefix("f/") && $0.reason.contains("not in the split file") },
                          "\(entry.skipped)")
            XCTAssertLessThanOrEqual(entry.classes.count, 50)
        }
        let report = try String(contentsOfFile: root + "/docs/mtat.md", encoding: .utf8)
        XCTAssertTrue(report.contains("| tag | test ROC-AUC | test PR-AUC |") && report.contains("Short-chunk ResNet: "), report)
    }
}
