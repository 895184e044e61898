import Core
import XCTest

/// Bootstrap intervals and paired tests, checked against numpy / statsmodels values worked by hand.
final class BootstrapTests: XCTestCase {
    /// numpy.percentile with linear interpolation: np.percentile([1, 2, 3, 4], [2.5, 50, 97.5]).
    func testPercentileMatchesNumpy() {
        XCTAssertEqual(Bootstrap.percentile([1, 2, 3, 4], 0.025), 1.075, accuracy: 1e-12)
        XCTAssertEqual(Bootstrap.percentile([1, 2, 3, 4], 0.5), 2.5, accuracy: 1e-12)
        XCTAssertEqual(Bootstrap.percentile([1, 2, 3, 4], 0.975), 3.925, accuracy: 1e-12)
        XCTAssertEqual(Bootstrap.percentile([7], 0.3), 7)
    }

    /// statsmodels.stats.contingency_tables.mcnemar([[a, b], [c, d]], exact=True).pvalue:
    /// b = 1, c = 6 gives 2 * P(Binom(7, .5) <= 1) = 2 * 8 / 128 = 0.125; b = c gives 1.
    func testMcNemarExact() {
        let a = [true, false, false, false, false, false, false, true, true]
        let b = [false, true, true, true, true, true, true, true, false]
        let t = PairedTest.mcnemar(aCorrect: a, bCorrect: b)
        XCTAssertEqual(t.onlyA, 2)
        XCTAssertEqual(t.onlyB, 6)
        XCTAssertEqual(t.p, 2 * (1 + 8 + 28) / 256.0, accuracy: 1e-12) // b = 2, c = 6, n = 8
        XCTAssertEqual(PairedTest.mcnemar(aCorrect: [true, false], bCorrect: [false, true]).p, 1, accuracy: 1e-12)
        XCTAssertEqual(PairedTest.mcnemar(aCorrect: [true, true], bCorrect: [true, true]).p, 1)
    }

    /// Random but fixed probabilities for `n` items of `k` classes, right about `skill` of the time.
    func sample(n: Int, k: Int, skill: Double, seed: UInt64) -> (p: [Double], y: [Int]) {
        var rng = SeededRNG(seed: seed)
        var p = [Double](), y = [Int]()
        for i in 0..<n {
            let label = i % k
            var row = (0..<k).map { _ in rng.uniform() }
            if rng.uniform() < skill { row[label] += 1 }
            let s = row.reduce(0, +)
            p += row.map { $0 / s }
            y.append(label)
        }
        return (p, y)
    }

    /// Same seed, same bits, on one thread or two; intervals hold the estimate and narrow with more data.
    func testIntervalsAreDeterministicAndSensible() {
        let (p, y) = sample(n: 50, k: 5, skill: 0.6, seed: 1)
        let plan = BootstrapPlan(seed: 3, resamples: 400)
        let one = Bootstrap.intervals(probabilities: p, labels: y, classCount: 5, plan: plan, purpose: "t", on: engine.with(threads: 1))
        let two = Bootstrap.intervals(probabilities: p, labels: y, classCount: 5, plan: plan, purpose: "t", on: engine.with(threads: 2))
        XCTAssertEqual(one, two)
        let report = ClassificationReport(probabilities: p, labels: y, classCount: 5)
        XCTAssertLessThanOrEqual(one.accuracy.low, report.accuracy)
        XCTAssertGreaterThanOrEqual(one.accuracy.high, report.accuracy)
        XCTAssertLessThanOrEqual(one.macroAUC!.low, report.macroAUC!)
        XCTAssertGreaterThanOrEqual(one.macroAUC!.high, report.macroAUC!)
        XCTAssertNotEqual(one, Bootstrap.intervals(probabilities: p, labels: y, classCount: 5, plan: BootstrapPlan(seed: 4, resamples: 400),
                                                   purpose: "t", on: engine))
        let (bigP, bigY) = sample(n: 1000, k: 5, skill: 0.6, seed: 1)
        let big = Bootstrap.intervals(probabilities: bigP, labels: bigY, classCount: 5, plan: plan, purpose: "t", on: engine)
        XCTAssertLessThan(big.accuracy.high - big.accuracy.low, (one.accuracy.high - one.accuracy.low) / 2)
        // A perfect classifier has no spread; stratified resamples keep every class, so AUCs stay defined.
        let perfect = (0..<20).flatMap { i in (0..<4).map { $0 == i % 4 ? 0.7 : 0.1 } }
        let exact = Bootstrap.intervals(probabilities: perfect, labels: (0..<20).map { $0 % 4 }, classCount: 4, plan: plan, purpose: "t",
                                        on: engine)
        XCTAssertEqual(exact.accuracy, Interval(low: 1, high: 1))
        XCTAssertEqual(exact.macroAUC, Interval(low: 1, high: 1))
        XCTAssertTrue(exact.perClassAUC.allSatisfy { $0 == Interval(low: 1, high: 1) })
    }

    /// The same model on both sides: no difference at all. A much better model: outside noise.
    func testPairedBootstrapOfADifference() throws {
        let (p, y) = sample(n: 60, k: 3, skill: 0.3, seed: 5)
        let plan = BootstrapPlan(seed: 1, resamples: 500)
        let macro = { (p: [Double], y: [Int]) in ROC.macroAUC(probabilities: p, labels: y, classCount: 3) }
        let same = try XCTUnwrap(PairedTest.bootstrapDifference(a: p, b: p, labels: y, classCount: 3, plan: plan, purpose: "m", on: engine,
                                                                statistic: macro))
        XCTAssertEqual(same.interval, Interval(low: 0, high: 0))
        XCTAssertEqual(same.p, 1)
        let better = sample(n: 60, k: 3, skill: 0.95, seed: 6).p
        let t = try XCTUnwrap(PairedTest.bootstrapDifference(a: p, b: better, labels: y, classCount: 3, plan: plan, purpose: "m",
                                                             on: engine,
                                                             statistic: macro))
        XCTAssertGreaterThan(t.interval.low, 0)
        XCTAssertLessThan(t.p, 0.01)
    }
}

/// Ours against statsmodels' McNemar and numpy's percentile, on fixtures written once by
/// `bench/stats_parity.py` (its docstring has the command).
final class StatsParityTests: XCTestCase {
    struct Reference: Decodable {
        struct McNemar: Decodable { var onlyA: Int; var onlyB: Int; var both: Int; var neither: Int; var p: Double }
        struct Percentile: Decodable { var values: [Double]; var q: Double; var numpy: Double }
        var mcnemar: [McNemar]
        var percentiles: [Percentile]
    }

    func testAgainstStatsmodelsAndNumpy() throws {
        let ref = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: fixtureURL("stats/reference.json")))
        XCTAssertEqual(ref.mcnemar.count, 10)
        for c in ref.mcnemar {
            let a = [Bool](repeating: true, count: c.both) + [Bool](repeating: true, count: c.onlyA)
                + [Bool](repeating: false, count: c.onlyB) + [Bool](repeating: false, count: c.neither)
            let b = [Bool](repeating: true, count: c.both) + [Bool](repeating: false, count: c.onlyA)
                + [Bool](repeating: true, count: c.onlyB) + [Bool](repeating: false, count: c.neither)
            let t = PairedTest.mcnemar(aCorrect: a, bCorrect: b)
            XCTAssertEqual(t.onlyA, c.onlyA)
            XCTAssertEqual(t.onlyB, c.onlyB)
            XCTAssertEqual(t.p, c.p, accuracy: 1e-12 * max(1, c.p), "b \(c.onlyA), c \(c.onlyB)")
        }
        for p in ref.percentiles {
            XCTAssertEqual(Bootstrap.percentile(p.values, p.q), p.numpy, accuracy: 1e-12, "n \(p.values.count), q \(p.q)")
        }
    }
}

/// Variants trained several times, compared over the same test clips.
final class RepeatedComparisonTests: XCTestCase {
    /// Probabilities [clips x 2] that put `right` of the clips on their label.
    static func probabilities(labels: [Int], right: Set<Int>) -> [Double] {
        labels.enumerated().flatMap { i, y -> [Double] in
            let onLabel = right.contains(i) ? 0.8 : 0.3
            return y == 0 ? [onLabel, 1 - onLabel] : [1 - onLabel, onLabel]
        }
    }

    func testIdenticalVariantsDifferByExactlyNothing() {
        let labels = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1]
        let p = Self.probabilities(labels: labels, right: [0, 1, 2, 3, 4, 5])
        let r = RepeatedComparison.compare(variant: [p, p], reference: [p], labels: labels, classCount: 2,
                                           plan: BootstrapPlan(resamples: 200),
                                           purpose: "same", on: engine) { q, y in Double(zip(argmaxRows(q, classCount: 2),
                                                                                 y).filter { $0 == $1 }.count) / Double(y.count) }
        XCTAssertEqual(r.mean, 0.6)
        XCTAssertEqual(r.difference, 0)
        XCTAssertEqual(r.differenceInterval, Interval(low: 0, high: 0))
        XCTAssertEqual(r.p, 1)
    }

    /// The variant's metric is the mean over its repeats; a variant right on every clip against a
    /// reference right on none differs by 1 in every resample.
    func testMeanOverRepeatsAndAClearDifference() {
        let labels = (0..<20).map { $0 % 2 }
        let all = Set(0..<20), half = Set(0..<10)
        let accuracy: ([Double], [Int]) -> Double? = { q, y in Double(zip(argmaxRows(q, classCount: 2),
                                                                          y).filter { $0 == $1 }.count) / Double(y.count) }
        let r = RepeatedComparison.compare(variant: [Self.probabilities(labels: labels, right: all), Self.probabilities(labels: labels,
                right: half)],
                                           reference: [Self.probabilities(labels: labels, right: [])], labels: labels, classCount: 2,
                                           plan: BootstrapPlan(resamples: 300), purpose: "clear", on: engine, statistic: accuracy)
        XCTAssertEqual(r.mean!, 0.75, accuracy: 1e-12) // (1 + 0.5) / 2
        XCTAssertEqual(r.difference!, 0.75, accuracy: 1e-12)
        XCTAssertGreaterThan(r.differenceInterval!.low, 0.5)
        XCTAssertEqual(r.p, 0)
    }
}
