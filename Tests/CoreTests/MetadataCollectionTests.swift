import Foundation
import XCTest
@testable import Core

/// The four metadata layouts, read from small files written here in their real header formats, bad
/// rows included: each bad row is skipped with its line and reason, a bad header is one error.
final class MetadataCollectionTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws { dir = try makeTempDir(self, "metadata") }

    private func write(_ name: String, _ text: String) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Only these paths exist under the root.
    private func exists(_ paths: [String]) -> (String) -> Bool {
        let full = Set(paths.map { "/audio/" + $0 })
        return { full.contains($0) }
    }

    func testDelimitedTextQuotesLineBreaksAndCRLF() {
        let rows = DelimitedText.rows("\u{FEFF}a,b,c\r\n1,\"x, \"\"quoted\"\"\",\"two\nlines\"\r\n\n3,,\n", delimiter: ",")
        XCTAssertEqual(rows.map(\.fields), [["a", "b", "c"], ["1", "x, \"quoted\"", "two\nlines"], ["3", "", ""]])
        XCTAssertEqual(rows.map(\.line), [1, 2, 5])
    }

    func testMagnaTagATune() throws {
        let path = try write("annotations_final.csv", """
        "clip_id"\t"guitar"\t"classical"\t"slow"\t"mp3_path"
        "2"\t"1"\t"0"\t"1"\t"f/a-01-0-29.mp3"
        "6"\t"0"\t"0"\t"0"\t"f/a-01-30-59.mp3"
        "10"\t"0"\t"1"\t"0"\t"c/b-02-0-29.mp3"
        "11"\t"1"\t"1"\t"c/b-02-30-59.mp3"
        "12"\t"1"\t"0"\t"0"\t"../outside.mp3"
        "13"\t"0"\t"1"\t"1"\t"d/c-03-0-29.mp3"

        """)
        let c = try MetadataCollection.load(labels: path, root: "/audio",
                                            fileExists: exists(["f/a-01-0-29.mp3", "f/a-01-30-59.mp3", "d/c-03-0-29.mp3"]))
        XCTAssertEqual(c.layout, .magnaTagATune)
        XCTAssertEqual(c.items.map(\.relativePath), ["f/a-01-0-29.mp3", "d/c-03-0-29.mp3"])
        XCTAssertEqual(c.items.map(\.tags), [["guitar", "slow"], ["classical", "slow"]])
        XCTAssertEqual(c.items.map(\.line), [2, 7])
        XCTAssertEqual(c.skipped.map(\.reason), [
            "annotations_final.csv:3: no label",
            "annotations_final.csv:4: no such audio file under /audio",
            "annotations_final.csv:5: 4 fields, the header has 5",
            "annotations_final.csv:6: the path leaves the audio root /audio",
        ])
        XCTAssertEqual(c.topTags(2), ["slow", "classical"], "slow twice; classical and guitar once each, ties by name")
    }

    func testJamendo() throws {
        let path = try write("autotagging_top50tags-train.tsv", """
        TRACK_ID\tARTIST_ID\tALBUM_ID\tPATH\tDURATION\tTAGS
        track_0000214\tartist_000014\talbum_000031\t14/214.mp3\t124.6\tgenre---punkrock
        track_0000215\tartist_000014\talbum_000031\t15/215.mp3\t200.0\tgenre---rock\tinstrument---guitar\tmood/theme---energetic
        track_0000216\tartist_000015\talbum_000032\t16/216.mp3\t90.1\t
        track_0000215\tartist_000014\talbum_000031\t15/215.mp3\t200.0\tgenre---rock
        short\trow
        """)
        let c = try MetadataCollection.load(labels: path, root: "/audio", fileExists: exists(["14/214.mp3", "15/215.mp3", "16/216.mp3"]))
        XCTAssertEqual(c.layout, .jamendo)
        XCTAssertEqual(c.items.map(\.tags), [["genre---punkrock"], ["genre---rock", "instrument---guitar", "mood/theme---energetic"]])
        XCTAssertEqual(c.skipped.map(\.reason), [
            "autotagging_top50tags-train.tsv:4: no label",
            "autotagging_top50tags-train.tsv:5: the clip is listed again (its first row counts)",
            "autotagging_top50tags-train.tsv:6: 2 fields, at least 5 expected",
        ])
    }

    /// MTG-Jamendo's official split is three files: naming any of them reads all three.
    func testJamendoSplitFiles() throws {
        let header = "TRACK_ID\tARTIST_ID\tALBUM_ID\tPATH\tDURATION\tTAGS\n"
        let train = try write("autotagging_top50tags-train.tsv", header + "t1\ta\tb\t01/1.mp3\t1.0\tgenre---rock\n"
                              + "t2\ta\tb\t02/2.mp3\t1.0\tgenre---pop\tmood/theme---happy\n")
        _ = try write("autotagging_top50tags-validation.tsv", header + "t3\ta\tb\t03/3.mp3\t1.0\tgenre---rock\n")
        _ = try write("autotagging_top50tags-test.tsv",
                      header + "t4\ta\tb\t04/4.mp3\t1.0\tgenre---pop\nt1\ta\tb\t01/1.mp3\t1.0\tgenre---rock\n")
        let all = ["01/1.mp3", "02/2.mp3", "03/3.mp3", "04/4.mp3"]
        let c = try MetadataCollection.load(labels: dir.path + "/autotagging_top50tags-validation.tsv", root: "/audio",
                                            fileExists: exists(all))
        XCTAssertEqual(c.items.map(\.relativePath), all)
        XCTAssertEqual(c.items.map(\.split), ["train", "train", "validation", "test"])
        XCTAssertEqual(c.skipped.map(\.reason), ["autotagging_top50tags-test.tsv:3: the clip is listed again (its first row counts)"])
        // A lone file (no siblings) has no split.
        let lone = try write("raw_30s.tsv", header + "t1\ta\tb\t01/1.mp3\t1.0\tgenre---rock\n")
        XCTAssertEqual(try MetadataCollection.load(labels: lone, root: "/audio", fileExists: exists(all)).items.map(\.split), [nil])
        XCTAssertEqual(MetadataCollection.jamendoSplitFiles(train).map(\.split), ["train", "validation", "test"])
        // A sibling with another header is one clear error.
        _ = try write("autotagging_top50tags-test.tsv", "path,labels\n01/1.mp3,rock\n")
        XCTAssertThrowsError(try MetadataCollection.load(labels: train, root: "/audio", fileExists: exists(all))) {
            XCTAssertTrue("\($0)".hasSuffix("autotagging_top50tags-test.tsv: not an MTG-Jamendo TSV like autotagging_top50tags-train.tsv "
                                          + "(its header differs)"), "\($0)")
        }
    }

    func testFMAWithItsTwoRowHeaderSplitAndNestedSubsets() throws {
        let path = try write("tracks.csv", """
        ,album,set,set,track,track
        ,title,split,subset,genre_top,title
        track_id,,,,,
        2,AWOL,training,small,Hip-Hop,Food
        3,AWOL,validation,medium,Hip-Hop,"Electric Ave, live"
        5,AWOL,test,large,Pop,"Two
        lines"
        10,Other,training,small,,No genre
        x,broken
        1001,Big,test,small,Rock,Thing

        """)
        let all = ["000/000002.mp3", "000/000003.mp3", "000/000005.mp3", "000/000010.mp3", "001/001001.mp3"]
        let large = try MetadataCollection.load(labels: path, root: "/audio", fileExists: exists(all))
        XCTAssertEqual(large.layout, .fma)
        XCTAssertEqual(large.items.map(\.relativePath), ["000/000002.mp3", "000/000003.mp3", "000/000005.mp3", "001/001001.mp3"])
        XCTAssertEqual(large.items.map(\.split), ["train", "validation", "test", "test"])
        XCTAssertEqual(large.items.map(\.tags), [["Hip-Hop"], ["Hip-Hop"], ["Pop"], ["Rock"]])
        XCTAssertEqual(large.skipped.map(\.reason), ["tracks.csv:8: no label",
                                                      "tracks.csv:9: not a track row (a track id and 6 fields expected, 2 found)"])
        let medium = try MetadataCollection.load(labels: path, root: "/audio", subset: "medium", fileExists: exists(all))
        XCTAssertEqual(medium.items.map(\.relativePath), ["000/000002.mp3", "000/000003.mp3", "001/001001.mp3"], "small is in medium")
        let small = try MetadataCollection.load(labels: path, root: "/audio", subset: "small", fileExists: exists(all))
        XCTAssertEqual(small.items.count, 2)
        XCTAssertThrowsError(try MetadataCollection.load(labels: path, root: "/audio", subset: "huge", fileExists: exists(all))) {
            XCTAssertEqual("\($0)", "\(path): subset huge: FMA's are small, medium and large")
        }
    }

    func testGenericCSVAndBadHeaders() throws {
        let path = try write("labels.csv", "path,labels,split\na.wav,rock;live,train\nb.wav, jazz ;; ,TEST\nc.wav,,train\n/etc/passwd,x,\n")
        let c = try MetadataCollection.load(labels: path, root: "/audio", fileExists: exists(["a.wav", "b.wav", "c.wav"]))
        XCTAssertEqual(c.layout, .generic)
        XCTAssertEqual(c.items.map(\.tags), [["live", "rock"], ["jazz"]])
        XCTAssertEqual(c.items.map(\.split), ["train", "test"])
        XCTAssertEqual(c.skipped.map(\.reason), ["labels.csv:4: no label", "labels.csv:5: the path leaves the audio root /audio"])
        let badSplit = try write("bad-split.csv", "path,labels,split\na.wav,rock,later\n")
        XCTAssertThrowsError(try MetadataCollection.load(labels: badSplit, root: "/audio", fileExists: exists(["a.wav"]))) {
            XCTAssertEqual("\($0)", "\(badSplit): line 2: split `later` is not train, validation or test")
        }
        let header = try write("notes.csv", "file,genre\na.wav,rock\n")
        XCTAssertThrowsError(try MetadataCollection.load(labels: header, root: "/audio")) {
            XCTAssertTrue("\($0)".hasPrefix("\(header): header `file,genre` is none of the layouts lab reads"), "\($0)")
        }
        let empty = try write("empty.csv", "")
        XCTAssertThrowsError(try MetadataCollection.load(labels: empty, root: "/audio")) { XCTAssertEqual("\($0)", "\(empty): empty file") }
        XCTAssertThrowsError(try MetadataCollection.load(labels: dir.path + "/none.csv", root: "/audio")) {
            XCTAssertEqual("\($0)", "\(self.dir.path)/none.csv: no such file")
        }
        XCTAssertThrowsError(try MetadataCollection.load(labels: path, root: "/audio", subset: "small")) {
            XCTAssertEqual("\($0)", "\(path): `subset` is FMA's; this is a generic file")
        }
    }

    /// Every row's audio missing: the root is wrong, and that is one error, not a list of every row.
    func testAWrongAudioRootIsOneError() throws {
        let path = try write("labels.csv", "path,labels\naudio/a.wav,rock\naudio/b.wav,jazz\n")
        XCTAssertThrowsError(try MetadataCollection.load(labels: path, root: "/audio/audio", fileExists: exists(["audio/a.wav"]))) {
            XCTAssertEqual("\($0)", "\(path): none of the 2 audio files it names is under /audio/audio: its paths are relative to the "
                           + "audio root, which this is not")
        }
    }

    /// `tags: {top: N}` keeps the most frequent; a clip left with none of them is skipped, saying so.
    func testKeepingTheTopTags() throws {
        let path = try write("labels.csv", "path,labels\na.wav,rock;live\nb.wav,rock\nc.wav,jazz\nd.wav,live;jazz;rare\n")
        let c = try MetadataCollection.load(labels: path, root: "/audio", fileExists: { _ in true })
        XCTAssertEqual(c.tagCounts.map(\.tag), ["jazz", "live", "rock", "rare"])
        let kept = c.keeping(tags: c.topTags(1))
        XCTAssertEqual(kept.items.map(\.relativePath), ["c.wav", "d.wav"])
        XCTAssertEqual(kept.skipped.map(\.reason), ["labels.csv:2: none of its tags is kept", "labels.csv:3: none of its tags is kept"])
    }
}
