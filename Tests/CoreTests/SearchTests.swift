import Core
import XCTest

/// The search's sampler and its promotion rule: deterministic, and independent of anything but
/// the seed and the trial number.
final class SearchTests: XCTestCase {
    let spec = SearchSpec(space: ["dropout": .uniform(low: 0, high: 0.6), "dense": .choice([32, 64, 128, 256]),
                                  "learning_rate": .logUniform(low: 1e-4, high: 1e-2)], trials: 27, eta: 3, rungs: [3, 9, 27], seed: 7)

    func testSamplesAreSeededInRangeAndIndependentOfTheTrialCount() {
        var fewer = spec
        fewer.trials = 5
        for t in 0..<5 { XCTAssertEqual(spec.sample(trial: t), fewer.sample(trial: t)) }
        let all = (0..<27).map { spec.sample(trial: $0) }
        XCTAssertTrue(all.allSatisfy { (0...0.6).contains($0["dropout"]!) && [32, 64, 128, 256].contains($0["dense"]!)
            && (1e-4...1e-2).contains($0["learning_rate"]!) })
        XCTAssertEqual(Set(all.map { $0["dense"]! }).count, 4, "27 draws cover every choice")
        // Log-uniform: about half the draws fall below the geometric midpoint 1e-3.
        XCTAssertTrue((8...19).contains(all.filter { $0["learning_rate"]! < 1e-3 }.count))
        var other = spec
        other.seed = 8
        XCTAssertNotEqual(other.sample(trial: 0), spec.sample(trial: 0))
        XCTAssertNotEqual(spec.trainingSeed(trial: 0), spec.trainingSeed(trial: 1))
    }

    func testRankingIsATotalOrderWithTheStatedTieBreak() {
        let scores = [RungScore(trial: 0, validationAUC: 0.8, validationLoss: 1.0), RungScore(trial: 1, validationAUC: nil,
                validationLoss: 0.1),
                      RungScore(trial: 2, validationAUC: 0.9, validationLoss: 2.0), RungScore(trial: 3, validationAUC: 0.8,
                              validationLoss: 0.9),
                      RungScore(trial: 4, validationAUC: 0.8, validationLoss: 0.9)]
        XCTAssertEqual(SuccessiveHalving.rank(scores).map(\.trial), [2, 3, 4, 0, 1])
        XCTAssertEqual(SuccessiveHalving.rank(scores.reversed()).map(\.trial), [2, 3, 4, 0, 1], "order of arrival does not matter")
        XCTAssertEqual(spec.survivors(of: 27), 9)
        XCTAssertEqual(spec.survivors(of: 9), 3)
        XCTAssertEqual(spec.survivors(of: 2), 1)
    }
}
