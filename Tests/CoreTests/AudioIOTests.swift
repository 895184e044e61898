import XCTest
@testable import Core

final class AudioIOTests: XCTestCase {
    func testRoundTripEveryWritableFormat() throws {
        let dir = try makeTempDir(self)
        let samples = sine(441, seconds: 0.2, rate: 22050)
        for format in AudioFileFormat.allCases where ![.oggVorbis, .mp3].contains(format) {
            let path = dir.appendingPathComponent("a-\(format.rawValue).snd").path
            try AudioIO.write(AudioClip(samples: samples, sampleRate: 22050), to: path, format: format)
            let back = try AudioIO.decode(path: path)
            XCTAssertEqual(back.sampleRate, 22050, "\(format)")
            XCTAssertEqual(back.samples.count, samples.count, "\(format)")
            let tol: Float = format == .wavFloat ? 0 : 1.0 / 32767
            for (a, b) in zip(samples, back.samples) { XCTAssertEqual(a, b, accuracy: tol, "\(format)") }
        }
    }

    /// Lossy formats do not give the samples back, but they must keep the length and the pitch.
    func testLossyFormatsKeepPitchAndLength() throws {
        let dir = try makeTempDir(self)
        for format in [AudioFileFormat.oggVorbis, .mp3] {
            guard AudioIO.canWrite(format) else { print("libsndfile here cannot write \(format); skipped"); continue }
            let path = dir.appendingPathComponent("lossy-\(format.rawValue).\(format == .mp3 ? "mp3" : "ogg")").path
            try AudioIO.write(AudioClip(samples: sine(1000, seconds: 1, rate: 22050), sampleRate: 22050), to: path, format: format)
            let back = try AudioIO.decode(path: path)
            XCTAssertEqual(Double(back.samples.count), 22050, accuracy: 2500, "\(format)") // encoder padding
            let mid = back.samples[5000..<15000]
            var crossings = 0
            for (a, b) in zip(mid, mid.dropFirst()) where (a < 0) != (b < 0) { crossings += 1 }
            XCTAssertEqual(Double(crossings) / (10000.0 / 22050), 2000, accuracy: 20, "\(format)")
        }
    }

    /// A cut-off Ogg stream declares SF_COUNT_MAX frames: decoding it must not size an allocation
    /// from that (it crashed `lab init` on a real collection); it gives the audio that is there.
    func testACutOffOggStreamDecodesWhatItHolds() throws {
        try XCTSkipUnless(AudioIO.canWrite(.oggVorbis), "libsndfile here cannot write Ogg/Vorbis")
        let dir = try makeTempDir(self)
        let path = dir.appendingPathComponent("whole.ogg").path, cut = dir.appendingPathComponent("cut.ogg").path
        // A tone whose pitch keeps moving, so the stream is well past its headers when it is cut.
        let n = 22050 * 30
        let samples: [Float] = (0..<n).map { i in
            let t = Double(i)
            return Float(0.5 * sin(t * (0.02 + 0.1 * t / Double(n))))
        }
        try AudioIO.write(AudioClip(samples: samples, sampleRate: 22050), to: path, format: .oggVorbis)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: cut))
        let whole = try AudioIO.decode(path: path), part = try AudioIO.decode(path: cut)
        XCTAssertGreaterThan(part.samples.count, 22050)
        XCTAssertLessThan(part.samples.count, whole.samples.count)
        XCTAssertEqual(Array(part.samples.prefix(1000)), Array(whole.samples.prefix(1000)), "the same audio up to the cut")
    }

    func testStereoIsAveragedToMono() throws {
        // A real two-channel IEEE-float WAV, written byte by byte (AudioIO writes mono only).
        let left: [Float] = [0.5, -0.5, 0.25, 1.0], right: [Float] = [0.25, 0.5, -0.75, 0.0]
        var data = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        let payload = UInt32(left.count * 2 * 4)
        data.append(contentsOf: Array("RIFF".utf8)); u32(36 + payload); data.append(contentsOf: Array("WAVE".utf8))
        data.append(contentsOf: Array("fmt ".utf8)); u32(16); u16(3); u16(2); u32(8000); u32(8000 * 8); u16(8); u16(32)
        data.append(contentsOf: Array("data".utf8)); u32(payload)
        for (l, r) in zip(left, right) {
            withUnsafeBytes(of: l.bitPattern.littleEndian) { data.append(contentsOf: $0) }
            withUnsafeBytes(of: r.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
        let path = try makeTempDir(self).appendingPathComponent("stereo.wav").path
        try data.write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try AudioIO.info(path: path).channels, 2)
        XCTAssertEqual(try AudioIO.decode(path: path).samples, zip(left, right).map { ($0 + $1) * 0.5 })
    }

    func testResampledSineKeepsItsFrequency() throws {
        let dir = try makeTempDir(self)
        let path = dir.appendingPathComponent("s.wav").path
        try AudioIO.write(AudioClip(samples: sine(1000, seconds: 1, rate: 44100), sampleRate: 44100), to: path, format: .wavFloat)
        let clip = try AudioIO.decode(path: path, sampleRate: 22050)
        XCTAssertEqual(clip.sampleRate, 22050)
        XCTAssertEqual(clip.samples.count, 22050)
        // Count zero crossings in the steady middle: 1000 Hz -> 2000 per second.
        let mid = clip.samples[2205..<19845]
        var crossings = 0
        for (a, b) in zip(mid, mid.dropFirst()) where (a < 0) != (b < 0) { crossings += 1 }
        XCTAssertEqual(Double(crossings) / 0.8, 2000, accuracy: 5)
    }

    func testBadInputsAreTypedErrorsNamingTheFile() throws {
        let dir = try makeTempDir(self)
        func expect(_ path: String, _ check: (AudioError) -> Bool, line: UInt = #line) {
            do { _ = try AudioIO.decode(path: path); XCTFail("decoded \(path)", line: line) } catch let e as AudioError {
                XCTAssert(check(e), "\(e)", line: line)
                XCTAssertEqual(e.path, path, line: line)
                XCTAssert(e.description.contains(path), line: line)
            } catch { XCTFail("\(error)", line: line) }
        }
        expect(dir.appendingPathComponent("missing.wav").path) { if case .missing = $0 { return true }; return false }

        let empty = dir.appendingPathComponent("empty.wav").path
        FileManager.default.createFile(atPath: empty, contents: Data())
        expect(empty) { if case .empty = $0 { return true }; return false }

        let text = dir.appendingPathComponent("notes.wav").path
        try "this is not audio, just some text\n".write(toFile: text, atomically: true, encoding: .utf8)
        expect(text) { if case .unreadable(_, let r) = $0 { return !r.isEmpty }; return false }

        // A damaged Ogg: libsndfile's own words, plus the format the name promises and what to do (issue 38).
        let ogg = dir.appendingPathComponent("damaged.ogg").path
        try (Data("OggS".utf8)
                + Data((0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) })).write(to: URL(fileURLWithPath: ogg))
        expect(ogg) {
            guard case .unreadable(_, let r) = $0 else { return false }
            return r.hasPrefix("libsndfile cannot decode an Ogg file by its name (") && r.contains("re-encode it from its source")
        }

        // Text named .au: libsndfile would read it as headerless 8 kHz µ-law, guessed from the name.
        let textAU = dir.appendingPathComponent("notes.au").path
        try String(repeating: "this is not audio, just some text\n", count: 50).write(toFile: textAU, atomically: true, encoding: .utf8)
        expect(textAU) { if case .unreadable(_, let r) = $0 { return r.contains("no audio header") }; return false }
        XCTAssertThrowsError(try AudioIO.info(path: textAU), "data check reads headers through info: it must refuse too")

        let good = dir.appendingPathComponent("good.wav").path
        try AudioIO.write(AudioClip(samples: sine(440, seconds: 1, rate: 22050), sampleRate: 22050), to: good, format: .wav16)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))

        let truncated = dir.appendingPathComponent("truncated.wav").path
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: truncated))
        expect(truncated) { if case .truncated = $0 { return true }; return false }

        // GTZAN's own format: a Sun .au whose header promises more data than the file holds.
        let au = dir.appendingPathComponent("good.au").path
        try AudioIO.write(AudioClip(samples: sine(440, seconds: 1, rate: 22050), sampleRate: 22050), to: au, format: .au16)
        let auBytes = try Data(contentsOf: URL(fileURLWithPath: au))
        XCTAssertEqual(try AudioIO.decode(path: au).samples.count, 22050, "the whole .au decodes")
        let truncatedAU = dir.appendingPathComponent("truncated.au").path
        try auBytes.prefix(auBytes.count / 2).write(to: URL(fileURLWithPath: truncatedAU))
        expect(truncatedAU) { if case .truncated = $0 { return true }; return false }

        let headerOnly = dir.appendingPathComponent("header.wav").path
        try bytes.prefix(44).write(to: URL(fileURLWithPath: headerOnly))
        expect(headerOnly) {
            switch $0 { case .noFrames, .truncated, .unreadable: return true; default: return false }
        }

        for (name, bad) in [("nan.wav", Float.nan), ("inf.wav", Float.infinity)] {
            let path = dir.appendingPathComponent(name).path
            try AudioIO.write(AudioClip(samples: [0, 0.1, bad, 0.2], sampleRate: 22050), to: path, format: .wavFloat)
            expect(path) { if case .nonFinite(_, let f) = $0 { return f == 2 }; return false }
        }
    }
}
