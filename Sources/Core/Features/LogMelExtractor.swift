import CFFTW3
import Foundation
import Numerics

/// STFT (FFTW3, real-to-complex, single precision) -> power -> mel -> dB, as librosa 0.11 computes
/// `melspectrogram(y, sr, n_fft, hop_length, center=True, pad_mode="constant", power=2)` and
/// `power_to_db(S, ref=np.max, amin=1e-10, top_db)`.
///
/// One FFTW plan per extractor, made once (FFTW's planner is not thread-safe, so creation is locked);
/// executing it on per-call buffers with the new-array interface is thread-safe, so one extractor may
/// serve several threads.
public final class LogMelExtractor: @unchecked Sendable {
    public let params: FeatureParams
    /// The mel filters (for a harmonic front end: the mel filters its params would give, unused).
    public let filterbank: MelFilterbank
    /// Filters on the magnitude (harmonic front end) rather than the power (mel).
    private let onMagnitude: Bool
    private let window: [Float]
    /// The filterbank flattened for the hot loop: filter m covers bins first ..< first + length, its weights at melWeights[offset...].
    private let melSpans: [(first: Int, length: Int, offset: Int)], melWeights: [Float]
    private let plan: fftwf_plan
    static let plannerLock = NSLock()

    public init(params: FeatureParams = FeatureParams()) {
        self.params = params
        let bank = MelFilterbank(params: params)
        filterbank = bank
        onMagnitude = params.isHarmonic
        let filters = params.isHarmonic ? HarmonicFilterbank(params: params).filters : bank.filters
        var offset = 0
        melSpans = filters.map { f in
            defer { offset += f.weights.count }
            return (f.firstBin, f.weights.count, offset)
        }
        melWeights = filters.flatMap(\.weights)
        let n = params.nFFT
        // Periodic Hann, as scipy.signal.get_window("hann", n, fftbins=True).
        window = (0..<n).map { Float(0.5 - 0.5 * Elementary.cos(2 * Double.pi * Double($0) / Double(n))) }
        Self.plannerLock.lock()
        let input = fftwf_alloc_real(n)!
        let output = fftwf_alloc_complex(n / 2 + 1)!
        // The same plan, and so the same bits, on every run and every FFTW build (FFTWPlanner.flags).
        plan = fftwf_plan_dft_r2c_1d(Int32(n), input, output, FFTWPlanner.flags)!
        fftwf_free(input)
        fftwf_free(output)
        Self.plannerLock.unlock()
    }

    /// `fftwf_sprint_plan` of the plan an extractor of this size makes: the codelets FFTW chose here.
    static func describePlan(nFFT n: Int) -> String {
        plannerLock.lock()
        defer { plannerLock.unlock() }
        let input = fftwf_alloc_real(n)!, output = fftwf_alloc_complex(n / 2 + 1)!
        defer { fftwf_free(input); fftwf_free(output) }
        guard let plan = fftwf_plan_dft_r2c_1d(Int32(n), input, output, FFTWPlanner.flags) else { return "none" }
        defer { fftwf_destroy_plan(plan) }
        guard let text = fftwf_sprint_plan(plan) else { return "unknown" }
        defer { free(text) }
        return String(cString: text).split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    deinit {
        Self.plannerLock.lock()
        fftwf_destroy_plan(plan)
        Self.plannerLock.unlock()
    }

    /// Mel power spectrogram [nMels x frames]; for the harmonic front end, the filters on the
    /// magnitude, squared ([H * K x frames], channel by channel), so that `powerToDB` gives
    /// `amplitude_to_db(ref=np.max)` of them.
    ///
    /// Frames go through the FFT one by one but are projected onto the mel filters eight at a time:
    /// the power of a block is stored bin-major with the eight frames side by side, so each filter
    /// weight multiplies a SIMD8 of frames. The sums per frame are taken in the same order as a plain
    /// loop would, so the result does not depend on the blocking.
    public func melPower(_ samples: [Float]) -> FeatureMatrix {
        let n = params.nFFT, hop = params.hopLength, bins = n / 2 + 1
        let frames = params.frameCount(sampleCount: samples.count)
        let nMels = melSpans.count
        let onMagnitude = self.onMagnitude
        var out = [Float](repeating: 0, count: nMels * frames)
        let input = fftwf_alloc_real(n)!
        let spectrum = fftwf_alloc_complex(bins)!
        let block = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: bins)
        defer { fftwf_free(input); fftwf_free(spectrum); block.deallocate() }
        let pad = n / 2
        let raw = UnsafeMutableRawPointer(spectrum).assumingMemoryBound(to: Float.self)
        samples.withUnsafeBufferPointer { xb in
            window.withUnsafeBufferPointer { wb in
                melWeights.withUnsafeBufferPointer { mw in
                    melSpans.withUnsafeBufferPointer { spans in
                        out.withUnsafeMutableBufferPointer { ob in
                            let x = xb.baseAddress!, w = wb.baseAddress!, weights = mw.baseAddress!, o = ob.baseAddress!
                            let count = xb.count
                            var t0 = 0
                            while t0 < frames {
                                let width = min(8, frames &- t0)
                                for f in 0..<8 {
                                    guard f < width else { for k in 0..<bins { block[k][f] = 0 }; continue }
                                    // Frame t covers padded[t*hop ..< t*hop+n]; padded = zeros(pad) + x + zeros(pad).
                                    let start = (t0 &+ f) &* hop &- pad
                                    let lo = max(0, -start), hi = max(lo, min(n, count &- start))
                                    for i in 0..<min(lo, n) { input[i] = 0 }
                                    for i in lo..<hi { input[i] = x[start &+ i] * w[i] }
                                    for i in hi..<n { input[i] = 0 }
                                    fftwf_execute_dft_r2c(plan, input, spectrum)
                                    for k in 0..<bins {
                                        let re = raw[2 &* k], im = raw[2 &* k &+ 1]
                                        block[k][f] = re * re + im * im
                                    }
                                    if onMagnitude { for k in 0..<bins { block[k][f] = block[k][f].squareRoot() } }
                                }
                                for m in 0..<nMels {
                                    let span = spans[m]
                                    var acc = SIMD8<Float>()
                                    for i in 0..<span.length {
                                        acc += weights[span.offset &+ i] * block[span.first &+ i]
                                    }
                                    let row = o + (m &* frames &+ t0)
                                    if onMagnitude { acc *= acc }
                                    for f in 0..<width { row[f] = acc[f] }
                                }
                                t0 &+= 8
                            }
                        }
                    }
                }
            }
        }
        return FeatureMatrix(rows: nMels, cols: frames, values: out)
    }

    /// Runs only the FFT, `frames` times, on one buffer: the floor under `melPower`'s time, for benchmarks.
    public func runFFTOnly(frames: Int) {
        let input = fftwf_alloc_real(params.nFFT)!, spectrum = fftwf_alloc_complex(params.nFFT / 2 + 1)!
        defer { fftwf_free(input); fftwf_free(spectrum) }
        for i in 0..<params.nFFT { input[i] = window[i] }
        for _ in 0..<frames { fftwf_execute_dft_r2c(plan, input, spectrum) }
    }

    /// The FFTs of the first 16 windowed frames of `samples`, real and imaginary parts in order: what
    /// FFTW alone computes, for NumericEnvironment's probe.
    func spectraForProbe(_ samples: [Float]) -> [Float] {
        let n = params.nFFT, hop = params.hopLength
        let input = fftwf_alloc_real(n)!, spectrum = fftwf_alloc_complex(n / 2 + 1)!
        defer { fftwf_free(input); fftwf_free(spectrum) }
        var out: [Float] = []
        for f in 0..<16 {
            for i in 0..<n { input[i] = f * hop + i < samples.count ? samples[f * hop + i] * window[i] : 0 }
            fftwf_execute_dft_r2c(plan, input, spectrum)
            for k in 0...(n / 2) { out += [spectrum[k].0, spectrum[k].1] }
        }
        return out
    }

    /// Log-mel in dB relative to the clip's peak, clipped `topDB` below it.
    public func logMel(_ samples: [Float]) -> FeatureMatrix {
        var m = melPower(samples)
        Self.powerToDB(&m.values, topDB: params.topDB)
        return m
    }

    /// `librosa.power_to_db(S, ref=np.max, amin=1e-10, top_db)` in place.
    public static func powerToDB(_ values: inout [Float], topDB: Double?, amin: Float = 1e-10) {
        guard let peak = values.max() else { return }
        let refDB = 10 * Elementary.log10(max(amin, peak))
        var top = -Float.infinity
        for i in values.indices {
            let v = 10 * Elementary.log10(max(amin, values[i])) - refDB
            values[i] = v
            top = max(top, v)
        }
        if let topDB {
            let floor = top - Float(topDB)
            for i in values.indices where values[i] < floor { values[i] = floor }
        }
    }
}
