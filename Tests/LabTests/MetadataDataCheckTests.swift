import ArgumentParser
import Core
import Foundation
import XCTest
@testable import Lab

/// `lab data check --labels` on collections shaped like MagnaTagATune, MTG-Jamendo and FMA, made
/// here with real audio files and the real header formats: the tags, the split and every bad row.
final class MetadataDataCheckTests: WorkspaceTestCase {
    private func lab(_ args: [String]) throws -> (out: String, status: Int32) {
        var command = try LabCommand.parseAsRoot(args + ["-C", root, "--quiet"])
        var out = "", status: Int32 = 0
        out = try captureStandardOutput {
            do { try command.run() } catch let e as ExitCode { status = e.rawValue }
        }
        return (out, status)
    }

    /// A 3-s tone at `hz` as a WAV file under `audio/`.
    private func tone(_ relative: String, hz: Double) throws {
        let path = root + "/audio/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let samples = (0..<(3 * 22050)).map { Float(0.3 * sin(2 * Double.pi * hz * Double($0) / 22050)) }
        try AudioIO.write(AudioClip(samples: samples, sampleRate: 22050), to: path, format: relative.hasSuffix(".mp3") ? .mp3 : .wav16)
    }

    func testMagnaTagATuneShapedCollection() throws {
        try tone("f/a-01-0-29.wav", hz: 220)
        try tone("f/a-01-30-59.wav", hz: 330)
        try tone("c/b-02-0-29.wav", hz: 440)
        try "not audio".write(toFile: root + "/audio/c/b-02-30-59.wav", atomically: true, encoding: .utf8)
        try """
        "clip_id"\t"guitar"\t"classical"\t"slow"\t"mp3_path"
        "2"\t"1"\t"0"\t"1"\t"f/a-01-0-29.wav"
        "6"\t"1"\t"1"\t"0"\t"f/a-01-30-59.wav"
        "10"\t"0"\t"1"\t"0"\t"c/b-02-0-29.wav"
        "11"\t"1"\t"0"\t"0"\t"c/b-02-30-59.wav"
        "12"\t"0"\t"0"\t"0"\t"c/b-02-0-29.wav"
        "13"\t"0"\t"1"\t"0"\t"d/missing.wav"

        """.write(toFile: root + "/annotations_final.csv", atomically: true, encoding: .utf8)
        let (out, status) = try lab(["data", "check", "audio", "--labels", "annotations_final.csv"])
        XCTAssertEqual(status, 1, "a run would skip rows: exit 1")
        XCTAssertTrue(out.contains("(mtat labels: annotations_final.csv)"), out)
        XCTAssertTrue(out.contains("3 tags on 3 usable clips (1.67 tags a clip):"), out)
        XCTAssertTrue(out.contains("  classical                     2 clips") && out.contains("  guitar                        2 clips"),
                      out)
        XCTAssertTrue(out.contains("c/b-02-30-59.wav: not readable as audio"), out)
        XCTAssertTrue(out.contains("annotations_final.csv:6: no label"), out)
        XCTAssertTrue(out.contains("d/missing.wav: annotations_final.csv:7: no such audio file under"), out)
    }

    func testJamendoAndFMAShapedCollections() throws {
        try tone("14/214.wav", hz: 220)
        try tone("15/215.wav", hz: 330)
        try """
        TRACK_ID\tARTIST_ID\tALBUM_ID\tPATH\tDURATION\tTAGS
        track_0000214\tartist_000014\talbum_000031\t14/214.wav\t3.0\tgenre---punkrock\tmood/theme---energetic
        track_0000215\tartist_000014\talbum_000031\t15/215.wav\t3.0\tgenre---rock

        """.write(toFile: root + "/autotagging.tsv", atomically: true, encoding: .utf8)
        let jamendo = try lab(["data", "check", "audio", "--labels", "autotagging.tsv"])
        XCTAssertEqual(jamendo.status, 0)
        XCTAssertTrue(jamendo.out.contains("3 tags on 2 usable clips") && jamendo.out.contains("every row and file is usable"), jamendo.out)

        try tone("000/000002.mp3", hz: 220)
        try tone("000/000003.mp3", hz: 330)
        try tone("000/000005.mp3", hz: 440)
        try """
        ,album,set,set,track
        ,title,split,subset,genre_top
        track_id,,,,
        2,A,training,small,Hip-Hop
        3,A,test,medium,Pop
        5,B,validation,large,Pop

        """.write(toFile: root + "/tracks.csv", atomically: true, encoding: .utf8)
        let medium = try lab(["data", "check", "audio", "--labels", "tracks.csv", "--subset", "medium"])
        XCTAssertEqual(medium.status, 0)
        XCTAssertTrue(medium.out.contains("official split: 1 train, 1 test"), medium.out)
        XCTAssertTrue(medium.out.contains("2 tags on 2 usable clips"), medium.out)
        // Hip-Hop is only in training, Pop only in test: each split misses one.
        XCTAssertTrue(medium.out.contains("warning: no train clip carries Pop: it cannot be learnt"), medium.out)
        XCTAssertTrue(medium.out.contains("warning: no test clip carries Hip-Hop: it cannot be measured"), medium.out)
        XCTAssertThrowsError(try lab(["data", "check", "audio", "--labels", "tracks.csv", "--subset", "tiny"])) {
            XCTAssertTrue("\($0)".hasSuffix("tracks.csv: subset tiny: FMA's are small, medium and large"), "\($0)")
        }
        XCTAssertThrowsError(try LabCommand.parseAsRoot(["data", "check", "audio", "--subset", "small"]))
    }
}
