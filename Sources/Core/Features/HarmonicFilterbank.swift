import Foundation
import Numerics

/// The fixed harmonic front end of Won et al., "Data-driven harmonic filters for audio
/// representation learning" (ICASSP 2020), without its learnt bandwidth:
/// - centre frequencies f_k = 440 * 2^((24 + k/s - 69)/12) from C1 (32.7 Hz), s steps per semitone,
///   up to Nyquist / H, so that the H-th harmonic of the top band still fits;
/// - channel h = 1...H holds the bands at h * f_k;
/// - each filter a triangle on the FFT magnitude, full width BW(f) = (0.1079 f + 24.7) / Q (the ERB
///   formula), widened to at least two FFT bins so no filter falls between bins, its area
///   normalised to one.
/// Rows come channel by channel: row (h - 1) * K + k is harmonic h of band k.
public struct HarmonicFilterbank: Sendable {
    public let centres: [Double]
    public let harmonics: Int
    public let filters: [MelFilterbank.Filter]
    /// Each filter's full width in Hz after the clamp.
    public let bandwidths: [Double]

    public var bandCount: Int { centres.count }

    public static func centres(sampleRate: Int, harmonics: Int, stepsPerSemitone s: Int) -> [Double] {
        let top = Double(sampleRate) / 2 / Double(harmonics)
        var out: [Double] = []
        var k = 0
        while true {
            let f = 440 * Elementary.pow(2, (24 + Double(k) / Double(s) - 69) / 12)
            guard f <= top else { return out }
            out.append(f)
            k += 1
        }
    }

    public init(params p: FeatureParams) {
        let h = p.harmonics ?? FeatureParams.defaultHarmonics
        let s = p.stepsPerSemitone ?? FeatureParams.defaultStepsPerSemitone
        let q = p.harmonicQ ?? 1
        harmonics = h
        centres = Self.centres(sampleRate: p.sampleRate, harmonics: h, stepsPerSemitone: s)
        let bins = p.nFFT / 2 + 1
        let binHz = Double(p.sampleRate) / Double(p.nFFT)
        var filters: [MelFilterbank.Filter] = [], widths: [Double] = []
        for harmonic in 1...h {
            for f0 in centres {
                let centre = Double(harmonic) * f0
                let width = max((0.1079 * centre + 24.7) / q, 2 * binHz)
                let half = width / 2
                let first = max(0, Int((centre - half) / binHz) + 1), last = min(bins - 1, Int(((centre + half) / binHz).rounded(.up)) - 1)
                var weights = (first...max(first, last)).map { k in max(0, 1 - abs(Double(k) * binHz - centre) / half) }
                let area = weights.reduce(0, +)
                weights = weights.map { $0 / area }
                filters.append(.init(firstBin: first, weights: weights.map(Float.init)))
                widths.append(width)
            }
        }
        self.filters = filters
        bandwidths = widths
    }
}
