import Foundation
import Numerics

/// One searched parameter's distribution.
public enum SearchDistribution: Codable, Equatable, Sendable {
    case uniform(low: Double, high: Double)
    case logUniform(low: Double, high: Double)
    case choice([Double])

    func sample(_ rng: inout SeededRNG) -> Double {
        switch self {
        case .uniform(let lo, let hi): return rng.uniform(lo, hi)
        case .logUniform(let lo, let hi): return Elementary.exp(rng.uniform(Elementary.log(lo), Elementary.log(hi)))
        case .choice(let values): return values[rng.int(below: values.count)]
        }
    }

    public var description: String {
        switch self {
        case .uniform(let lo, let hi): return "uniform on [\(lo), \(hi)]"
        case .logUniform(let lo, let hi): return "log-uniform on [\(lo), \(hi)]"
        case .choice(let v): return "one of {" + v.map { "\($0)" }.joined(separator: ", ") + "}"
        }
    }
}

/// A `search:` cell's plan: the space, the sampler's seed, and synchronous successive halving
/// (Jamieson & Talwalkar 2016): every trial trains to the first rung's epochs, the best 1/eta go on
/// to the next rung, and so on; the last rung's best is chosen.
public struct SearchSpec: Codable, Equatable, Sendable {
    /// Parameter name -> distribution; sampled in name order.
    public var space: [String: SearchDistribution]
    public var trials: Int = 9
    public var eta: Int = 3
    /// Epochs each rung trains to, increasing.
    public var rungs: [Int] = [3, 9, 27]
    public var seed: UInt64 = 1

    public init(space: [String: SearchDistribution], trials: Int = 9, eta: Int = 3, rungs: [Int] = [3, 9, 27], seed: UInt64 = 1) {
        self.space = space
        self.trials = trials
        self.eta = eta
        self.rungs = rungs
        self.seed = seed
    }

    /// Trial i's configuration: each parameter drawn, in name order, from a generator derived from
    /// (seed, i), so a trial's values do not depend on how many trials there are.
    public func sample(trial i: Int) -> [String: Double] {
        var rng = SeededRNG(seed: seed).derived("trial \(i)")
        var out: [String: Double] = [:]
        for name in space.keys.sorted() { out[name] = space[name]!.sample(&rng) }
        return out
    }

    /// Trial i's training seed.
    public func trainingSeed(trial i: Int) -> UInt64 {
        var rng = SeededRNG(seed: seed).derived("trial \(i) training")
        return rng.next() >> 1
    }

    /// How many trials go on from a rung with `count` trials: the best 1/eta, at least one.
    public func survivors(of count: Int) -> Int { max(1, count / eta) }
}

/// One trial's standing at a rung: what ranks it.
public struct RungScore: Codable, Equatable, Sendable {
    public var trial: Int
    /// Validation macro ROC-AUC (segments) at the rung's last epoch; nil if undefined.
    public var validationAUC: Double?
    public var validationLoss: Double
    public init(trial: Int, validationAUC: Double?, validationLoss: Double) {
        self.trial = trial
        self.validationAUC = validationAUC
        self.validationLoss = validationLoss
    }
}

public enum SuccessiveHalving {
    /// The full ranking of a rung, best first: higher validation AUC (an undefined AUC ranks last),
    /// then lower validation loss, then the lower trial index. A total order, so promotion never
    /// depends on the order trials finished in.
    public static func rank(_ scores: [RungScore]) -> [RungScore] {
        scores.sorted { a, b in
            switch (a.validationAUC, b.validationAUC) {
            case let (x?, y?) where x != y: return x > y
            case (.some, nil): return true
            case (nil, .some): return false
            default: break
            }
            if a.validationLoss != b.validationLoss { return a.validationLoss < b.validationLoss }
            return a.trial < b.trial
        }
    }
}
