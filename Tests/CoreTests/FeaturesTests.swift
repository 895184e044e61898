import Dispatch
import XCTest
@testable import Core

final class FeaturesTests: XCTestCase {
    struct Reference: Decodable {
        struct Case: Decodable {
            var n_fft: Int, hop_length: Int, n_mels: Int, mel_scale: String, shape: [Int]
            var mel_power: [Double], mel_power_frobenius: Double   // row-major [n_mels][frames]
            var db: [Double], filterbank_row_sums: [Double]
        }
        var sr: Int
        var cases: [Case]
    }

    /// Parity with librosa 0.11 (fixture made by Tests/Fixtures/features/make_fixture.py).
    func testMatchesLibrosa() throws {
        let ref = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: fixtureURL("features/librosa_reference.json")))
        let clip = try AudioIO.decode(path: fixtureURL("features/signal.wav").path)
        XCTAssertEqual(clip.sampleRate, ref.sr)
        for c in ref.cases {
            let p = FeatureParams(sampleRate: ref.sr, nFFT: c.n_fft, hopLength: c.hop_length, nMels: c.n_mels,
                                  melScale: MelScale(rawValue: c.mel_scale)!)
            let ex = LogMelExtractor(params: p)
            let power = ex.melPower(clip.samples)
            XCTAssertEqual([power.rows, power.cols], c.shape)
            let what = "case \(c.n_fft)/\(c.n_mels)/\(c.mel_scale)"
            // Mel power: the norm of the DIFFERENCE, over every element, relative to librosa's norm.
            XCTAssertEqual(power.values.count, c.mel_power.count)
            var diff2 = 0.0, ref2 = 0.0
            for (ours, theirs) in zip(power.values, c.mel_power) {
                diff2 += (Double(ours) - theirs) * (Double(ours) - theirs)
                ref2 += theirs * theirs
            }
            XCTAssertLessThan((diff2 / ref2).squareRoot(), 1e-4, "mel power, \(what)")
            XCTAssertEqual(ref2.squareRoot(), c.mel_power_frobenius, accuracy: 1e-6 * c.mel_power_frobenius, "fixture is self-consistent")
            // dB: every element within 0.01 dB.
            let db = ex.logMel(clip.samples)
            XCTAssertEqual(db.values.count, c.db.count)
            let worst = zip(db.values, c.db).map { abs(Double($0) - $1) }.max() ?? .infinity
            XCTAssertLessThan(worst, 0.01, "dB, \(what)")
            let sums = MelFilterbank(params: p).dense().map { $0.reduce(0, +) }
            for (a, b) in zip(sums, c.filterbank_row_sums) { XCTAssertEqual(Double(a), b, accuracy: 1e-6 + 1e-4 * abs(b)) }
        }
    }

    /// One extractor shared by many threads (as the feature cache and `lab data check` use it) gives
    /// every clip exactly the bits a private extractor gives it.
    func testOneExtractorIsSafeToShareAcrossThreads() {
        let shared = LogMelExtractor(params: FeatureParams())
        let clips = (0..<16).map { i in sine(200 + 97 * Double(i), seconds: 1, rate: 22050) }
        let expected = clips.map { LogMelExtractor(params: FeatureParams()).logMel($0).values }
        let results = UnsafeMutableBufferPointer<[Float]>.allocate(capacity: clips.count)
        results.initialize(repeating: [])
        defer { results.deallocate() }
        for _ in 0..<3 {
            DispatchQueue.concurrentPerform(iterations: clips.count) { i in results[i] = shared.logMel(clips[i]).values }
            for i in clips.indices { XCTAssertEqual(results[i].map(\.bitPattern), expected[i].map(\.bitPattern), "clip \(i)") }
        }
    }

    func testSinePeaksInItsBin() {
        // 1000 Hz at sr 22050, n_fft 2048 -> bin 1000 * 2048 / 22050 = 92.9; the mel band holding it wins.
        let p = FeatureParams()
        let mel = LogMelExtractor(params: p).melPower(sine(1000, seconds: 1, rate: 22050))
        let mid = mel.cols / 2
        let loudest = (0..<mel.rows).max { mel[$0, mid] < mel[$1, mid] }!
        let fb = MelFilterbank(params: p).filters[loudest]
        XCTAssert((fb.firstBin...(fb.firstBin + fb.weights.count)).contains(93), "band \(loudest) spans \(fb.firstBin)+\(fb.weights.count)")
    }

    func testFilterbankProperties() {
        let fb = MelFilterbank(params: FeatureParams())
        XCTAssertEqual(fb.filters.count, 128)
        XCTAssertEqual(fb.binCount, 1025)
        for f in fb.filters {
            XCTAssertFalse(f.weights.isEmpty)
            XCTAssert(f.weights.allSatisfy { $0 >= 0 })
        }
        // Centres increase: each filter starts no earlier than the one before.
        for i in 1..<fb.filters.count { XCTAssertGreaterThanOrEqual(fb.filters[i].firstBin, fb.filters[i - 1].firstBin) }
        // Slaney round trip of the scale.
        for hz in [0.0, 440, 1000, 5000, 11025] {
            XCTAssertEqual(MelFilterbank.melToHz(MelFilterbank.hzToMel(hz, .slaney), .slaney), hz, accuracy: 1e-6)
            XCTAssertEqual(MelFilterbank.melToHz(MelFilterbank.hzToMel(hz, .htk), .htk), hz, accuracy: 1e-6)
        }
    }

    func testTopDBClipsRange() {
        let p = FeatureParams(topDB: 40)
        let db = LogMelExtractor(params: p).logMel(sine(440, seconds: 1, rate: 22050))
        XCTAssertEqual(db.values.max()!, 0, accuracy: 1e-5)
        XCTAssertEqual(db.values.min()!, -40, accuracy: 1e-4)
    }

    func testFrameCountMatchesLibrosa() {
        XCTAssertEqual(FeatureParams().frameCount(sampleCount: 22050 * 30), 1292)
        XCTAssertEqual(FeatureParams().frameCount(sampleCount: 22050), 44)
    }

    func testSegmentingDropAndPad() {
        let m = FeatureMatrix(rows: 2, cols: 10, values: (0..<20).map(Float.init))
        let drop = segments(of: m, spec: SegmentSpec(length: 4, hop: 3))
        XCTAssertEqual(drop.count, 3) // starts 0, 3, 6
        XCTAssertEqual(drop[1][0, 0], 3)
        XCTAssertEqual(drop[1][1, 3], 16)
        XCTAssertEqual(segments(of: m, spec: SegmentSpec(length: 4, hop: 3, tail: .pad)).count, 3) // 6..<10 ends exactly
        let pad = segments(of: m, spec: SegmentSpec(length: 4, hop: 4, tail: .pad))
        XCTAssertEqual(pad.count, 3) // 0..<4, 4..<8, then the tail 8..<10 padded
        XCTAssertEqual(pad[2][0, 0], 8)
        XCTAssertEqual(pad[2][0, 1], 9)
        XCTAssertEqual(pad[2][0, 2], 0) // padded with the clip's minimum
        XCTAssertEqual(segments(of: m, spec: SegmentSpec(length: 20, hop: 1)).count, 0)
        let spec = SegmentSpec.seconds(2, hop: 1, params: FeatureParams())
        XCTAssertEqual(spec.length, 86)
        XCTAssertEqual(spec.hop, 43)
    }

    /// A full-length song: a 4-minute song gives 239 two-second segments at a one-second hop;
    /// `maxPerClip` keeps that many, evenly spaced, first and last included.
    func testSegmentsPerClipAndTheirLimit() {
        let params = FeatureParams()
        let song = params.frameCount(sampleCount: 22050 * 240)
        XCTAssertEqual(segmentStarts(frames: song, spec: .seconds(2, hop: 1, params: params)).count, 239)
        XCTAssertEqual(segmentStarts(frames: params.frameCount(sampleCount: 22050 * 30), spec: .seconds(2, hop: 1, params: params)).count,
                       29)
        let all = segmentStarts(frames: 100, spec: SegmentSpec(length: 10, hop: 5)) // 0, 5, ..., 90
        XCTAssertEqual(all.count, 19)
        XCTAssertEqual(segmentStarts(frames: 100, spec: SegmentSpec(length: 10, hop: 5, maxPerClip: 4)), [0, 30, 60, 90])
        XCTAssertEqual(segmentStarts(frames: 100, spec: SegmentSpec(length: 10, hop: 5, maxPerClip: 1)), [45])
        XCTAssertEqual(segmentStarts(frames: 100, spec: SegmentSpec(length: 10, hop: 5, maxPerClip: 19)), all)
        XCTAssertEqual(segmentStarts(frames: 100, spec: SegmentSpec(length: 10, hop: 5, maxPerClip: 50)), all)
        let m = FeatureMatrix(rows: 1, cols: 100, values: (0..<100).map(Float.init))
        XCTAssertEqual(segments(of: m, spec: SegmentSpec(length: 10, hop: 5, maxPerClip: 4)).map { $0[0, 0] }, [0, 30, 60, 90])
    }

    func testNumpyHeader() {
        let d = NumpyWriter.data(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(Array(d.prefix(8)), [0x93] + Array("NUMPY".utf8) + [1, 0])
        let headerLen = Int(d[8]) | Int(d[9]) << 8
        XCTAssertEqual((10 + headerLen) % 64, 0)
        let header = String(decoding: d[10..<(10 + headerLen)], as: UTF8.self)
        XCTAssert(header.contains("'shape': (2, 3)"))
        XCTAssertEqual(d.count, 10 + headerLen + 24)
        XCTAssertEqual(d[10 + headerLen + 4 ..< 10 + headerLen + 8].elementsEqual([0, 0, 0, 0x40]), true) // 2.0f
    }
}
