import XCTest
@testable import Core

/// The augmentation transforms on pure tones, where the right answer is known.
final class AugmentationTests: XCTestCase {
    static let sr = 22050

    static func tone(_ hz: [Double], seconds: Double = 3) -> [Float] {
        (0..<Int(seconds * Double(sr))).map { i in Float(hz.reduce(0) { $0 + 0.3 * sin(2 * .pi * $1 * Double(i) / Double(sr)) }) }
    }

    /// The frequency of the strongest bin of a 16384-point Hann-windowed FFT of the middle of `x`,
    /// and the bin width.
    static func peak(_ x: [Float]) -> (hz: Double, bin: Double) {
        let n = 16384
        let stft = STFT(nFFT: n, hop: n)
        let middle = Array(x[(x.count / 2 - n / 2)..<(x.count / 2 + n / 2)])
        let frame = stft.forward(middle)[1] // centred frames: frame 1 covers the middle n samples
        let magnitudes = frame.map { hypot($0.re, $0.im) }
        let k = magnitudes.indices.max { magnitudes[$0] < magnitudes[$1] }!
        return (Double(k) * Double(sr) / Double(n), Double(sr) / Double(n))
    }

    func testPitchShiftTwoSemitonesUpPeaksAt493_9Hz() throws {
        let x = Self.tone([440])
        let y = try Augment.pitchShift(x, semitones: 2, sampleRate: Self.sr)
        XCTAssertEqual(y.count, x.count)
        let (hz, bin) = Self.peak(y)
        XCTAssertEqual(hz, 440 * pow(2, 2.0 / 12), accuracy: bin) // 493.88 Hz
        let (down, _) = Self.peak(try Augment.pitchShift(x, semitones: -1, sampleRate: Self.sr))
        XCTAssertEqual(down, 440 * pow(2, -1.0 / 12), accuracy: bin) // 415.30 Hz
    }

    func testTimeStretchKeepsFrequencyAndScalesLength() {
        let x = Self.tone([440])
        for factor in [0.9, 1.1] {
            let y = Augment.timeStretch(x, factor: factor)
            XCTAssertEqual(y.count, Int((Double(x.count) * factor).rounded()))
            let (hz, bin) = Self.peak(y)
            XCTAssertEqual(hz, 440, accuracy: bin)
            // Energy is kept: the RMS in the middle is the tone's (0.3 / sqrt 2) within 10%.
            let middle = y[(y.count / 4)..<(3 * y.count / 4)]
            let rms = (middle.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(middle.count)).squareRoot()
            XCTAssertEqual(rms, 0.3 / 2.0.squareRoot(), accuracy: 0.03)
        }
    }

    /// The vocoder's steps are t * rate, as librosa's `np.arange(0, frames, rate)`: at rate 1/1.1,
    /// step 11 is frame 10 exactly (a running sum would land just below it and read frames 9 and 10).
    func testPhaseVocoderStepsAreExactMultiples() {
        let frames = (0..<40).map { j in [(re: Double(j + 1), im: 0.0), (re: 0.0, im: 0.0)] } // frame j: magnitude j + 1 in bin 0
        let rate = 1 / 1.1
        let out = Augment.phaseVocoder(frames, rate: rate, bins: 2)
        XCTAssertEqual(out.count, Int((40 / rate).rounded(.up))) // len(np.arange(0, 40, rate)) = 44
        XCTAssertEqual(hypot(out[11][0].re, out[11][0].im), 11)    // step 11 * rate = 10: frame 10 alone
        XCTAssertEqual(hypot(out[22][0].re, out[22][0].im), 21)
    }

    func testNoiseAt20dBMeasures20dB() {
        let x = Self.tone([440, 660])
        for (snr, seed) in [(20.0, UInt64(1)), (35.0, UInt64(2))] {
            let y = Augment.addNoise(x, snrDB: snr, seed: seed)
            let signal = x.reduce(0.0) { $0 + Double($1) * Double($1) }
            let noise = zip(y, x).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
            XCTAssertEqual(10 * log10(signal / noise), snr, accuracy: 0.5)
        }
    }

    /// Every copy is drawn from (seed, clip, copy) alone: the same bits every time; another copy or
    /// clip draws another noise.
    func testDrawsAreSeededPerClipAndCopy() throws {
        let plan = AugmentPlan(copies: 2, noiseSNR: [20, 40], semitones: [-2, -1, 1, 2], stretch: [0.9, 1.1])
        let a = plan.draw(seed: 5, clip: "rock/rock.00001.wav", copy: 0)
        XCTAssertEqual(a, plan.draw(seed: 5, clip: "rock/rock.00001.wav", copy: 0))
        XCTAssertNotEqual(a.noiseSeed, plan.draw(seed: 5, clip: "rock/rock.00001.wav", copy: 1).noiseSeed)
        XCTAssertNotEqual(a.noiseSeed, plan.draw(seed: 5, clip: "rock/rock.00002.wav", copy: 0).noiseSeed)
        XCTAssertNotEqual(a.noiseSeed, plan.draw(seed: 6, clip: "rock/rock.00001.wav", copy: 0).noiseSeed)
        XCTAssert([-2, -1, 1, 2].contains(a.semitones!))
        XCTAssert((0.9...1.1).contains(a.stretch!) && (20...40).contains(a.snrDB!))
        let x = Self.tone([330], seconds: 1)
        XCTAssertEqual(try a.apply(x, sampleRate: Self.sr), try a.apply(x, sampleRate: Self.sr))
    }
}

/// The harmonic front end's filterbank (Won et al. 2020, fixed form).
final class HarmonicFilterbankTests: XCTestCase {
    static let params: FeatureParams = {
        var p = FeatureParams()
        p.kind = .harmonic
        return p
    }()

    func testCentreFrequenciesFromC1UpToNyquistOverH() {
        let bank = HarmonicFilterbank(params: Self.params)
        XCTAssertEqual(bank.centres[0], 32.703, accuracy: 1e-3) // C1
        XCTAssertEqual(bank.centres[2], 34.648, accuracy: 1e-3) // C#1: two steps per semitone
        XCTAssertEqual(bank.centres[66], 220, accuracy: 1e-9)   // A3
        XCTAssertLessThanOrEqual(bank.centres.last!, 22050.0 / 2 / 6)
        XCTAssertGreaterThan(bank.centres.last! * pow(2, 1.0 / 24), 22050.0 / 2 / 6)
        XCTAssertEqual(bank.centres.count, 140)
        XCTAssertEqual(bank.filters.count, 6 * 140)
        XCTAssertEqual(Self.params.channels, 6)
        XCTAssertEqual(Self.params.bands, 140)
    }

    func testBandwidthIsERBOverQClampedToTwoBinsAndAreaIsOne() {
        let binHz = 22050.0 / 2048
        var p = Self.params
        p.harmonicQ = 2
        let bank = HarmonicFilterbank(params: p)
        // Filter 0 of channel 1 (32.7 Hz): ERB/2 = 14.1 Hz, below two bins (21.5 Hz): clamped.
        XCTAssertEqual(bank.bandwidths[0], 2 * binHz, accuracy: 1e-9)
        // Channel 6's top filter: (0.1079 f + 24.7) / 2, not clamped.
        let f = 6 * bank.centres.last!
        XCTAssertEqual(bank.bandwidths.last!, (0.1079 * f + 24.7) / 2, accuracy: 1e-9)
        for filter in bank.filters {
            XCTAssertEqual(filter.weights.reduce(0, +), 1, accuracy: 1e-5)
            XCTAssertGreaterThan(filter.weights.filter { $0 > 0 }.count, 0, "a filter fell between bins")
        }
    }

    /// A harmonic tone at 220 Hz (harmonics 1 to 6) lights every channel h at band k(220) = 66: a
    /// local peak within 2.5 semitones (harmonic h ± 1 of the tone falls in channel h more than 2.5
    /// semitones away), far above the channel's typical level.
    func testHarmonicToneLightsEveryChannelAtItsBand() {
        let x = AugmentationTests.tone((1...6).map { 220.0 * Double($0) }, seconds: 2)
        let m = LogMelExtractor(params: Self.params).logMel(x)
        let bands = 140
        XCTAssertEqual(m.rows, 6 * bands)
        for h in 0..<6 {
            let level = (0..<bands).map { k in (0..<m.cols).reduce(0.0) { $0 + Double(m.values[(h * bands + k) * m.cols
                    + $1]) } / Double(m.cols) }
            let near = (61...71).max { level[$0] < level[$1] }!
            XCTAssertEqual(near, 66, "channel \(h + 1)")
            let median = level.sorted()[bands / 2]
            XCTAssertGreaterThan(level[66] - median, 20, "channel \(h + 1): \(level[66]) dB against a median of \(median)")
        }
    }
}
