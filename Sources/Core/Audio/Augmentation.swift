import CFFTW3
import Foundation
import Numerics

/// A cell's `augment:`: how many augmented copies of each training clip, and which transforms each
/// copy applies. Only the ones the cell names: white noise, pitch shift in whole semitones, slight
/// time stretch. Never compression, reverb or distortion: those mark genre and era.
public struct AugmentPlan: Codable, Hashable, Sendable {
    /// Augmented copies per training clip, besides the clip itself.
    public var copies: Int = 1
    /// Signal-to-noise ratio range in dB, drawn uniformly per copy.
    public var noiseSNR: [Double]? = nil
    /// Pitch shifts in semitones, one drawn per copy.
    public var semitones: [Int]? = nil
    /// Time-stretch factor range (length multiplier), drawn uniformly per copy.
    public var stretch: [Double]? = nil

    public init(copies: Int = 1, noiseSNR: [Double]? = nil, semitones: [Int]? = nil, stretch: [Double]? = nil) {
        self.copies = copies
        self.noiseSNR = noiseSNR
        self.semitones = semitones
        self.stretch = stretch
    }

    /// What copy `copy` of clip `clip` applies, drawn from (seed, clip, copy) alone: the same copy
    /// whatever else is in the run, and a different noise for every clip and copy.
    public func draw(seed: UInt64, clip: String, copy: Int) -> AugmentDraw {
        var rng = SeededRNG(seed: seed).derived("augment \(clip) \(copy)")
        var d = AugmentDraw()
        if let semitones, !semitones.isEmpty { d.semitones = semitones[rng.int(below: semitones.count)] }
        if let stretch { d.stretch = rng.uniform(stretch[0], stretch[1]) }
        if let noiseSNR {
            d.snrDB = rng.uniform(noiseSNR[0], noiseSNR[1])
            d.noiseSeed = rng.next()
        }
        return d
    }
}

/// One augmented copy's concrete transforms, recorded in the manifest and part of its cache key.
public struct AugmentDraw: Codable, Hashable, Sendable {
    public var semitones: Int? = nil
    /// Length multiplier: 1.1 makes the clip 10% longer (slower), its pitch unchanged.
    public var stretch: Double? = nil
    public var snrDB: Double? = nil
    public var noiseSeed: UInt64? = nil

    public init(semitones: Int? = nil, stretch: Double? = nil, snrDB: Double? = nil, noiseSeed: UInt64? = nil) {
        self.semitones = semitones
        self.stretch = stretch
        self.snrDB = snrDB
        self.noiseSeed = noiseSeed
    }

    /// Pitch, then stretch, then noise: the noise is added to the waveform last, before the STFT
    /// and the log, as the study asks.
    public func apply(_ x: [Float], sampleRate: Int) throws -> [Float] {
        var y = x
        if let semitones, semitones != 0 { y = try Augment.pitchShift(y, semitones: semitones, sampleRate: sampleRate) }
        if let stretch, stretch != 1 { y = Augment.timeStretch(y, factor: stretch) }
        if let snrDB, let noiseSeed { y = Augment.addNoise(y, snrDB: snrDB, seed: noiseSeed) }
        return y
    }
}

/// The transforms. Pitch shift and time stretch follow librosa 0.11's `effects.pitch_shift` and
/// `effects.time_stretch`: a phase vocoder on a Hann STFT (n_fft 2048, hop 512, single-precision
/// FFTW, the vocoder's phase arithmetic in double), overlap-added back, and for pitch a soxr
/// resample by 2^(n/12) to the original length. Chosen over Rubber Band (docs/augmentation.md):
/// no GPL dependency, only the FFTW and soxr whose determinism we already pin, and a reference
/// (librosa) to check it against (bench/augment_parity.py).
public enum Augment {
    public static let nFFT = 2048, hop = 512
    /// Bumped whenever a transform changes what it computes: part of an augmented copy's cache key.
    public static let codeVersion = 2

    /// White Gaussian noise at `snrDB` below the clip's mean power (a fixed-order double sum).
    public static func addNoise(_ x: [Float], snrDB: Double, seed: UInt64) -> [Float] {
        guard !x.isEmpty else { return x }
        var power = 0.0
        for v in x { power += Double(v) * Double(v) }
        power /= Double(x.count)
        let sigma = (power / Elementary.pow(10, snrDB / 10)).squareRoot()
        var rng = SeededRNG(seed: seed)
        return x.map { Float(Double($0) + sigma * rng.normal()) }
    }

    /// Stretches the length by `factor` (librosa's rate = 1 / factor), keeping the pitch.
    public static func timeStretch(_ x: [Float], factor: Double) -> [Float] {
        let length = Int((Double(x.count) * factor).rounded())
        let spectrum = STFT(nFFT: nFFT, hop: hop)
        let frames = spectrum.forward(x)
        return spectrum.inverse(phaseVocoder(frames, rate: 1 / factor, bins: nFFT / 2 + 1), length: length)
    }

    /// Shifts the pitch by whole semitones, keeping the length: stretch by 2^(n/12), then resample
    /// from sr * 2^(n/12)... as librosa does (rate 2^(-n/12), resample from sr / rate to sr).
    public static func pitchShift(_ x: [Float], semitones: Int, sampleRate: Int) throws -> [Float] {
        let rate = Elementary.pow(2, -Double(semitones) / 12)
        let stretched = timeStretch(x, factor: 1 / rate)
        var y = try Resampler.resample(stretched, from: Double(sampleRate) / rate, to: Double(sampleRate))
        if y.count > x.count { y.removeLast(y.count - x.count) } else { y += [Float](repeating: 0, count: x.count - y.count) }
        return y
    }

    /// librosa's `phase_vocoder`: frames at fractional steps `rate` apart, magnitudes interpolated,
    /// phases advanced by each bin's measured frequency. Frames are [frame][bin] complex pairs.
    static func phaseVocoder(_ frames: [[(re: Double, im: Double)]], rate: Double, bins: Int) -> [[(re: Double, im: Double)]] {
        guard !frames.isEmpty else { return [] }
        let zero = [(re: Double, im: Double)](repeating: (0, 0), count: bins)
        let padded = frames + [zero, zero]
        let advance = (0..<bins).map { Double.pi * Double(hop) * Double($0) / Double(bins - 1) }
        var phase = frames[0].map { Elementary.atan2($0.im, $0.re) }
        var out: [[(re: Double, im: Double)]] = []
        // Step t is t * rate, as numpy.arange computes it: a running sum would drift below an exact
        // integer (11 * (1 / 1.1) = 10) and read the wrong pair of frames from there on.
        let steps = Int((Double(frames.count) / rate).rounded(.up))
        for t in 0..<steps {
            let step = Double(t) * rate
            let i = Int(step), alpha = step - Double(i)
            let a = padded[i], b = padded[i + 1]
            var column = zero
            for k in 0..<bins {
                let magnitude = (1 - alpha) * Elementary.hypot(a[k].re, a[k].im) + alpha * Elementary.hypot(b[k].re, b[k].im)
                column[k] = (magnitude * Elementary.cos(phase[k]), magnitude * Elementary.sin(phase[k]))
                var dphase = Elementary.atan2(b[k].im, b[k].re) - Elementary.atan2(a[k].im, a[k].re) - advance[k]
                dphase -= 2 * Double.pi * (dphase / (2 * Double.pi)).rounded(.toNearestOrEven)
                phase[k] += advance[k] + dphase
            }
            out.append(column)
        }
        return out
    }
}

/// A centred Hann STFT and its inverse (window-sum-square normalised overlap-add), as librosa's
/// `stft(center=True, pad_mode="constant")` and `istft(length=...)`, on FFTW plans made with
/// FFTW_ESTIMATE (the same plan on every run).
struct STFT {
    let nFFT: Int, hop: Int
    let window: [Double]

    init(nFFT: Int, hop: Int) {
        self.nFFT = nFFT
        self.hop = hop
        window = (0..<nFFT).map { 0.5 - 0.5 * Elementary.cos(2 * Double.pi * Double($0) / Double(nFFT)) }
    }

    func forward(_ x: [Float]) -> [[(re: Double, im: Double)]] {
        let n = nFFT, bins = n / 2 + 1, pad = n / 2
        let frames = 1 + x.count / hop
        let input = fftwf_alloc_real(n)!, output = fftwf_alloc_complex(bins)!
        defer { fftwf_free(input); fftwf_free(output) }
        let plan = FFTWPlanner.plan { fftwf_plan_dft_r2c_1d(Int32(n), input, output, FFTWPlanner.flags)! }
        defer { FFTWPlanner.destroy(plan) }
        let raw = UnsafeMutableRawPointer(output).assumingMemoryBound(to: Float.self)
        return (0..<frames).map { t in
            let start = t * hop - pad
            for i in 0..<n {
                let j = start + i
                input[i] = j >= 0 && j < x.count ? Float(Double(x[j]) * window[i]) : 0
            }
            fftwf_execute(plan)
            return (0..<bins).map { (Double(raw[2 * $0]), Double(raw[2 * $0 + 1])) }
        }
    }

    func inverse(_ frames: [[(re: Double, im: Double)]], length: Int) -> [Float] {
        let n = nFFT, bins = n / 2 + 1, pad = n / 2
        let total = n + hop * max(0, frames.count - 1)
        var y = [Double](repeating: 0, count: total), norm = [Double](repeating: 0, count: total)
        let input = fftwf_alloc_complex(bins)!, output = fftwf_alloc_real(n)!
        defer { fftwf_free(input); fftwf_free(output) }
        let plan = FFTWPlanner.plan { fftwf_plan_dft_c2r_1d(Int32(n), input, output, FFTWPlanner.flags)! }
        defer { FFTWPlanner.destroy(plan) }
        let raw = UnsafeMutableRawPointer(input).assumingMemoryBound(to: Float.self)
        for (t, frame) in frames.enumerated() {
            for k in 0..<bins { raw[2 * k] = Float(frame[k].re); raw[2 * k + 1] = Float(frame[k].im) }
            fftwf_execute(plan) // c2r overwrites its input; it is refilled every frame
            for i in 0..<n {
                y[t * hop + i] += Double(output[i]) / Double(n) * window[i]
                norm[t * hop + i] += window[i] * window[i]
            }
        }
        var out = [Float](repeating: 0, count: length)
        for i in 0..<length where i + pad < total {
            let w = norm[i + pad]
            out[i] = Float(w > Double(Float.leastNormalMagnitude) ? y[i + pad] / w : y[i + pad])
        }
        return out
    }
}

/// FFTW's planner is not thread-safe: every plan is made and destroyed under the one lock the
/// feature extractor uses too.
enum FFTWPlanner {
    /// Every plan lab makes: FFTW_ESTIMATE, so the plan is the same on every run (MEASURE times
    /// candidates and may pick another next time), and FFTW_NO_SIMD, so it is made of FFTW's scalar
    /// codelets, which every x86-64 build of FFTW 3.3.x has and compiles the same way, whatever SIMD
    /// codelets (SSE2, AVX, AVX2 with FMA, AVX-512) the build includes or the CPU offers.
    /// docs/determinism.md has the figures: the FFTs of a 30-s clip take 8.1 ms instead of 2.9 ms on
    /// AMD Zen 4, once per clip (features are cached).
    static let flags = UInt32(FFTW_ESTIMATE) | UInt32(FFTW_NO_SIMD)
    static var lock: NSLock { LogMelExtractor.plannerLock }
    static func plan(_ make: () -> fftwf_plan) -> fftwf_plan { lock.withLock(make) }
    static func destroy(_ plan: fftwf_plan) { lock.withLock { fftwf_destroy_plan(plan) } }
}
