import ArgumentParser
import Core
import Foundation
import XCTest
@testable import Lab

/// A notebook cell on a collection described by a metadata file (`data: {path, labels}`): an
/// FMA-shaped folder with its two-row tracks.csv, a subset and its official split; a `path,labels`
/// CSV split by lab; and the clear lines for what a cell cannot train yet.
final class LabelledCollectionRunTests: WorkspaceTestCase {
    private func lab(_ args: [String]) throws -> String {
        var command = try LabCommand.parseAsRoot(args + ["-C", root])
        return try captureStandardOutput { try command.run() }
    }

    private static let cellBody = """
    features: {n_mels: 16}
    segment: {seconds: 1, hop: 1}
    model: {filters: [4], dense: 8, dropout: 0.2}
    training: {epochs: 2, batch_size: 8, patience: null}
    """

    /// Built-in clips of two genres written where FMA keeps its audio, and a tracks.csv naming them.
    private func fmaShaped() throws {
        try BuiltinCollection.write(to: root + "/synth", clipsPerGenre: 6, seconds: 3, seed: 5, genres: ["classical", "metal"], threads: 2)
        var rows = ""
        for (g, genre) in ["classical", "metal"].enumerated() {
            for i in 0..<6 {
                let id = 1000 * g + i + 2
                let dest = root + String(format: "/fma_audio/%03d/%06d.mp3", id / 1000, id)
                try FileManager.default.createDirectory(atPath: (dest as NSString).deletingLastPathComponent,
                                                        withIntermediateDirectories: true)
                let clip = try AudioIO.decode(path: root + "/synth/\(genre)/" + BuiltinCollection.fileName(genre: genre, index: i))
                try AudioIO.write(clip, to: dest, format: .mp3)
                let split = ["training", "training", "training", "validation", "test", "test"][i]
                rows += "\(id),\"Album, \(i)\",\(split),\(i == 5 ? "large" : "small"),\(genre == "metal" ? "Rock" : "Classical")\n"
            }
        }
        try FileManager.default.createDirectory(atPath: root + "/fma_metadata", withIntermediateDirectories: true)
        try (",album,set,set,track\n,title,split,subset,genre_top\ntrack_id,,,,\n" + rows)
            .write(toFile: root + "/fma_metadata/tracks.csv", atomically: true, encoding: .utf8)
    }

    func testAnFMAShapedCollectionWithItsSubsetAndOfficialSplit() throws {
        try fmaShaped()
        let cell = "name: fma\ndata: {path: fma_audio, labels: fma_metadata/tracks.csv, subset: medium}\nsplit: metadata\n" + Self.cellBody
        try "# FMA\n\n```lab\n\(cell)\n```\n".write(toFile: root + "/reports/fma.lab.md", atomically: true, encoding: .utf8)
        _ = try lab(["reproduce", "reports/fma.lab.md", "--quiet"])
        let file = try ResultsFile.load(Data(contentsOf: URL(fileURLWithPath: root + "/reports/fma.json")), source: "fma.json")
        let entry = try XCTUnwrap(file.experiments.first)
        XCTAssertEqual(entry.classes, ["Classical", "Rock"])
        // The official split, less the `large` clip of each genre (not in medium): 3/1/1 clips a genre.
        XCTAssertEqual(entry.clips, ["train": 6, "validation": 2, "test": 2])
        XCTAssertEqual(entry.config.data, .labelled(path: "fma_audio", labels: "fma_metadata/tracks.csv", subset: "medium"))
        let split = try String(contentsOfFile: root + "/target/\(try XCTUnwrap(RunStore(workspace: Workspace(root: root)).ids.first))"
                               + "/split.json", encoding: .utf8)
        XCTAssertTrue(split.contains("000/000006.mp3") && !split.contains("000/000007.mp3"), "test clip 4 in, the large clip 5 out")
        // Verified bit for bit by a rerun, as any report.
        _ = try lab(["verify", "reports/fma.lab.md", "--against", "workspace", "--quiet"])
    }

    /// `lab init --labels` writes cells that read the labels file and follow its official split; the
    /// notebook parses and names no absolute path.
    func testInitWithALabelsFile() throws {
        try fmaShaped()
        let out = try lab(["init", "reports/fma.lab.md", "--data", "fma_audio", "--labels", "fma_metadata/tracks.csv", "--subset", "medium",
                           "--quiet"])
        XCTAssertTrue(out.contains("wrote reports/fma.lab.md: 2 classes, 10 usable clips"), out)
        let text = try String(contentsOfFile: root + "/reports/fma.lab.md", encoding: .utf8)
        XCTAssertTrue(text.contains("data: {path: fma_audio, labels: \"fma_metadata/tracks.csv\", subset: medium}\nsplit: metadata"), text)
        XCTAssertFalse(text.contains(root))
        let cells = try NotebookParser.parse(text, file: "fma.lab.md").experiments
        XCTAssertEqual(cells.map(\.data), [.labelled(path: "fma_audio", labels: "fma_metadata/tracks.csv", subset: "medium")] + [
            .labelled(path: "fma_audio", labels: "fma_metadata/tracks.csv", subset: "medium")])
        XCTAssertEqual(cells.map(\.splitSource), [.metadata, .metadata])
        XCTAssertEqual(cells[0].classes, ["Classical", "Rock"])
    }

    func testAPathLabelsCSVSplitByLabAndTheLinesForWhatACellCannotTrain() throws {
        try BuiltinCollection.write(to: root + "/audio", clipsPerGenre: 6, seconds: 3, seed: 5, genres: ["jazz", "pop"], threads: 2)
        var csv = "path,labels\n"
        for g in ["jazz", "pop"] { for i in 0..<6 { csv += "\(g)/\(BuiltinCollection.fileName(genre: g, index: i)),\(g)\n" } }
        try csv.write(toFile: root + "/labels.csv", atomically: true, encoding: .utf8)
        let cell = "name: csv\ndata: {path: audio, labels: labels.csv}\nsplit: {train: 0.5, validation: 0.25, test: 0.25}\n" + Self.cellBody
        try "# CSV\n\n```lab\n\(cell)\n```\n".write(toFile: root + "/reports/csv.lab.md", atomically: true, encoding: .utf8)
        _ = try lab(["reproduce", "reports/csv.lab.md", "--quiet"])
        let entry = try XCTUnwrap(ResultsFile.load(Data(contentsOf: URL(fileURLWithPath: root + "/reports/csv.json")), source: "csv")
            .experiments.first)
        XCTAssertEqual(entry.classes, ["jazz", "pop"])
        XCTAssertEqual(entry.clips.values.reduce(0, +), 12)

        // Several labels on one clip: one line, naming the file, the line and the clip.
        try (csv + "pop/\(BuiltinCollection.fileName(genre: "pop", index: 0)),pop;jazz\n")
            .write(toFile: root + "/labels2.csv", atomically: true, encoding: .utf8)
        try (csv.replacingOccurrences(of: "jazz/jazz.00000.au,jazz", with: "jazz/jazz.00000.au,jazz;pop"))
            .write(toFile: root + "/labels3.csv", atomically: true, encoding: .utf8)
        for (file, split, expected) in [
            ("labels3.csv", "{train: 0.5, validation: 0.25, test: 0.25}\ntask: classification",
             "labels3.csv: 1 clips carry several labels (line 2: jazz/jazz.00000.au is jazz, pop); a classification cell trains one "
                + "label per clip"),
            ("labels.csv", "metadata", "labels.csv: no split column or values, so `split: metadata` has nothing to follow"),
            ("nothere.csv", "metadata", "nothere.csv: no such file"),
        ] {
            let text = "# X\n\n```lab\nname: x\ndata: {path: audio, labels: \(file)}\nsplit: \(split)\n" + Self.cellBody + "\n```\n"
            try text.write(toFile: root + "/reports/x.lab.md", atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try lab(["reproduce", "reports/x.lab.md", "--quiet"])) {
                let message = ($0 as? UserError)?.message ?? "\($0)"
                XCTAssertTrue(message.contains(expected) && !message.contains("\n"), message)
            }
        }
        // `subset` without `labels`, `split: metadata` on class folders: the notebook's own line.
        for (data, split, expected) in [("{path: audio, subset: small}", "metadata", "`subset` chooses from an FMA tracks.csv"),
                                        ("audio", "metadata", "`split: metadata` takes the split from a metadata file")] {
            let text = "# X\n\n```lab\nname: x\ndata: \(data)\nsplit: \(split)\n" + Self.cellBody + "\n```\n"
            try text.write(toFile: root + "/reports/x.lab.md", atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try lab(["reproduce", "reports/x.lab.md", "--quiet"])) { XCTAssertTrue("\($0)".contains(expected),
                    "\($0)") }
        }
    }
}
