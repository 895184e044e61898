import Foundation
import Numerics

/// Triangular mel filters over FFT bins, as `librosa.filters.mel` builds them (norm="slaney"):
/// weights computed in double precision, then stored as Float, each filter as its nonzero span only.
public struct MelFilterbank: Sendable {
    public struct Filter: Sendable {
        public var firstBin: Int
        public var weights: [Float]
    }
    public let filters: [Filter]
    public let binCount: Int

    public init(params p: FeatureParams) {
        let bins = p.nFFT / 2 + 1
        binCount = bins
        let fftFreqs = (0..<bins).map { Double($0) * Double(p.sampleRate) / Double(p.nFFT) }
        let melMin = Self.hzToMel(p.fmin, p.melScale), melMax = Self.hzToMel(p.effectiveFmax, p.melScale)
        let melPoints = (0..<(p.nMels + 2)).map { i -> Double in
            Self.melToHz(melMin + (melMax - melMin) * Double(i) / Double(p.nMels + 1), p.melScale)
        }
        var filters: [Filter] = []
        for m in 0..<p.nMels {
            let lo = melPoints[m], center = melPoints[m + 1], hi = melPoints[m + 2]
            let enorm = 2 / (hi - lo) // Slaney: constant energy per filter
            var first = -1
            var weights: [Float] = []
            for k in 0..<bins {
                let lower = (fftFreqs[k] - lo) / (center - lo)
                let upper = (hi - fftFreqs[k]) / (hi - center)
                let w = max(0, min(lower, upper))
                if w > 0 {
                    if first < 0 { first = k }
                    // Fill any interior zero so the span stays contiguous.
                    while first + weights.count < k { weights.append(0) }
                    weights.append(Float(w * enorm))
                }
            }
            filters.append(Filter(firstBin: max(first, 0), weights: weights))
        }
        self.filters = filters
    }

    /// Dense [nMels x bins] matrix, for tests and for comparison with librosa.
    public func dense() -> [[Float]] {
        filters.map { f in
            var row = [Float](repeating: 0, count: binCount)
            for (i, w) in f.weights.enumerated() { row[f.firstBin + i] = w }
            return row
        }
    }

    public static func hzToMel(_ hz: Double, _ scale: MelScale) -> Double {
        switch scale {
        case .htk:
            return 2595 * Elementary.log10(1 + hz / 700)
        case .slaney:
            let fSp = 200.0 / 3, minLogHz = 1000.0, minLogMel = minLogHz / fSp, logStep = Elementary.log(6.4) / 27
            return hz >= minLogHz ? minLogMel + Elementary.log(hz / minLogHz) / logStep : hz / fSp
        }
    }

    public static func melToHz(_ mel: Double, _ scale: MelScale) -> Double {
        switch scale {
        case .htk:
            return 700 * (Elementary.pow(10, mel / 2595) - 1)
        case .slaney:
            let fSp = 200.0 / 3, minLogHz = 1000.0, minLogMel = minLogHz / fSp, logStep = Elementary.log(6.4) / 27
            return mel >= minLogMel ? minLogHz * Elementary.exp(logStep * (mel - minLogMel)) : fSp * mel
        }
    }
}
