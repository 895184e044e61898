import Foundation
import Numerics

/// SpecAugment's masks (Park et al. 2019) on the log-mel of training segments: `count` bands of up to
/// `maxWidth` frequency rows, and `count` spans of up to `maxWidth` frames, set to 0 (the mean, after
/// standardisation). Drawn per sample and per epoch from the run's seed, so a run, and a resumed
/// run, masks the same values. Validation and test segments are never masked.
public struct SpecMask: Codable, Hashable, Sendable {
    public var timeWidth: Int, timeCount: Int
    public var freqWidth: Int, freqCount: Int

    public init(timeWidth: Int = 0, timeCount: Int = 0, freqWidth: Int = 0, freqCount: Int = 0) {
        (self.timeWidth, self.timeCount, self.freqWidth, self.freqCount) = (timeWidth, timeCount, freqWidth, freqCount)
    }

    /// One mask: a start and a width (0 masks nothing). The width is uniform in 0...maxWidth, clipped
    /// to the axis; the start uniform over the places it fits.
    static func draw(maxWidth: Int, axis: Int, rng: inout SeededRNG) -> (start: Int, width: Int) {
        let width = min(rng.int(below: maxWidth + 1), axis)
        return (rng.int(below: axis - width + 1), width)
    }

    /// Masks samples 0..<n of a batch [C, n, H, W] in place: for each sample, its frequency masks, then
    /// its time masks, every channel alike.
    public func apply(to batch: Tensor, rng: inout SeededRNG) {
        let (c, n, h, w) = (batch.shape[0], batch.shape[1], batch.shape[2], batch.shape[3])
        for i in 0..<n {
            let bands = (0..<freqCount).map { _ in Self.draw(maxWidth: freqWidth, axis: h, rng: &rng) }
            let spans = (0..<timeCount).map { _ in Self.draw(maxWidth: timeWidth, axis: w, rng: &rng) }
            for ch in 0..<c {
                let plane = (ch * n + i) * h * w
                for (start, width) in bands {
                    for row in start..<(start + width) {
                        for col in 0..<w { batch.data[plane + row * w + col] = 0 }
                    }
                }
                for (start, width) in spans {
                    for row in 0..<h {
                        for col in start..<(start + width) { batch.data[plane + row * w + col] = 0 }
                    }
                }
            }
        }
    }
}

/// Mixup (Zhang et al. 2018): each training batch is blended with a shuffled copy of itself,
/// x = lambda x_i + (1 - lambda) x_j, and so are the one-hot targets, with lambda ~ Beta(alpha, alpha)
/// drawn once per batch from the run's seed.
public enum Mixup {
    /// Soft targets [n x k] and, for the training accuracy, each sample's dominant label.
    public struct Targets {
        public var values: [Float]
        public var dominant: [Int]
        /// The blend: sample i became lambda x_i + (1 - lambda) x_partner[i].
        public var lambda: Double
        public var partner: [Int]
    }

    /// Blends samples 0..<n of `batch` [C, n, H, W] in place with partner `partner[i]`; returns the
    /// blended targets.
    public static func apply(to batch: Tensor, labels: ArraySlice<Int>, classes k: Int, alpha: Double,
                             rng: inout SeededRNG) -> Targets {
        let (c, n, hw) = (batch.shape[0], batch.shape[1], batch.shape[2] * batch.shape[3])
        let lambda = beta(alpha, alpha, rng: &rng)
        var partner = Array(0..<n)
        rng.shuffle(&partner)
        let original = batch.data
        let l = Float(lambda), m = Float(1 - lambda)
        for ch in 0..<c {
            for i in 0..<n {
                let dst = (ch * n + i) * hw, src = (ch * n + partner[i]) * hw
                for j in 0..<hw { batch.data[dst + j] = l * original[dst + j] + m * original[src + j] }
            }
        }
        var targets = Targets(values: [Float](repeating: 0, count: n * k), dominant: [], lambda: lambda, partner: partner)
        for i in 0..<n {
            let a = labels[labels.startIndex + i], b = labels[labels.startIndex + partner[i]]
            targets.values[i * k + a] += l
            targets.values[i * k + b] += m
            targets.dominant.append(lambda >= 0.5 ? a : b)
        }
        return targets
    }

    /// Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
    public static func beta(_ a: Double, _ b: Double, rng: inout SeededRNG) -> Double {
        let x = gamma(a, rng: &rng), y = gamma(b, rng: &rng)
        return x + y > 0 ? x / (x + y) : 0.5
    }

    /// Gamma(shape, 1) by Marsaglia and Tsang (2000); a shape below 1 is boosted by U^(1/shape).
    static func gamma(_ shape: Double, rng: inout SeededRNG) -> Double {
        if shape < 1 {
            let u = max(rng.uniform(), 0x1.0p-53)
            return gamma(shape + 1, rng: &rng) * Elementary.pow(u, 1 / shape)
        }
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            let x = rng.normal(), v0 = 1 + c * x
            guard v0 > 0 else { continue }
            let v = v0 * v0 * v0, u = max(rng.uniform(), 0x1.0p-53)
            if Elementary.log(u) < 0.5 * x * x + d - d * v + d * Elementary.log(v) { return d * v }
        }
    }
}

/// How the learning rate moves from epoch to epoch (epoch e = 1, 2, ...; `base` is the configured rate).
public enum LRSchedule: Codable, Hashable, Sendable {
    /// base x 0.5 (1 + cos(pi (e - 1) / epochs)): from the base rate down towards 0 at the last epoch.
    case cosine
    /// base x factor^floor((e - 1) / every).
    case step(every: Int, factor: Double)

    public func rate(epoch: Int, base: Double, epochs: Int) -> Double {
        switch self {
        case .cosine: return base * 0.5 * (1 + Elementary.cos(Double.pi * Double(epoch - 1) / Double(max(epochs, 1))))
        case .step(let every, let factor): return base * Elementary.pow(factor, Double((epoch - 1) / max(every, 1)))
        }
    }
}
