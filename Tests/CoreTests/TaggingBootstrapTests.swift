import Foundation
import XCTest
@testable import Core

final class TaggingBootstrapTests: XCTestCase {
    /// Clips of `tags` tags, each tag on with its own rate; scores that see the truth through `skill`.
    private func sample(clips: Int, tags k: Int, skill: Double, seed: UInt64) -> (scores: [Double], tags: [Bool]) {
        var rng = SeededRNG(seed: seed)
        var scores: [Double] = [], tags: [Bool] = []
        for _ in 0..<clips {
            for t in 0..<k {
                let on = rng.uniform(0, 1) < 0.1 + 0.4 * Double(t) / Double(k)
                tags.append(on)
                scores.append(skill * (on ? 1 : 0) + rng.uniform(0, 1))
            }
        }
        return (scores, tags)
    }

    func testStrataAreEachClipsRarestTag() {
        // Tag 0 on 3 clips, tag 1 on 2, tag 2 on 1; the last clip has none.
        let tags: [Bool] = [true, true, false,  true, false, true,  true, true, false,  false, false, false]
        XCTAssertEqual(TaggingBootstrap.strata(tags: tags, tagCount: 3), [1, 2, 1, 3])
    }

    /// The same bits on one thread or two; the intervals hold the estimate, exclude nothing they
    /// should not, and narrow with more clips; a tag on one clip only keeps it in every resample.
    func testIntervals() throws {
        let (s, y) = sample(clips: 60, tags: 5, skill: 0.8, seed: 1)
        let plan = BootstrapPlan(seed: 3, resamples: 300)
        let one = TaggingBootstrap.intervals(scores: s, tags: y, tagCount: 5, plan: plan, purpose: "t", on: engine.with(threads: 1))
        let two = TaggingBootstrap.intervals(scores: s, tags: y, tagCount: 5, plan: plan, purpose: "t", on: engine.with(threads: 2))
        XCTAssertEqual(one, two)
        let report = TaggingReport(scores: s, tags: y, tagCount: 5)
        let roc = try XCTUnwrap(one.macroROCAUC), ap = try XCTUnwrap(one.macroAveragePrecision)
        XCTAssertLessThanOrEqual(roc.low, try XCTUnwrap(report.macroROCAUC))
        XCTAssertGreaterThanOrEqual(roc.high, try XCTUnwrap(report.macroROCAUC))
        XCTAssertLessThanOrEqual(ap.low, try XCTUnwrap(report.macroAveragePrecision))
        XCTAssertGreaterThanOrEqual(ap.high, try XCTUnwrap(report.macroAveragePrecision))
        let (bigS, bigY) = sample(clips: 600, tags: 5, skill: 0.8, seed: 1)
        let big = try XCTUnwrap(TaggingBootstrap.intervals(scores: bigS, tags: bigY, tagCount: 5, plan: plan, purpose: "t",
                                                           on: engine).macroROCAUC)
        XCTAssertLessThan(big.high - big.low, (roc.high - roc.low) / 2)
        // One clip alone carries tag 2: it is its own stratum, so every resample keeps it.
        var rare = y
        for i in 0..<60 { rare[i * 5 + 2] = i == 7 }
        let rows = (0..<200).map { r -> [Int] in
            var rng = SeededRNG(seed: UInt64(r))
            return Bootstrap.resample(labels: TaggingBootstrap.strata(tags: rare, tagCount: 5), classCount: 6, rng: &rng)
        }
        XCTAssertTrue(rows.allSatisfy { $0.contains(7) })
    }

    /// The same scores on both sides: no change at all. A much better model: outside noise.
    func testPairedDifference() throws {
        let (s, y) = sample(clips: 80, tags: 4, skill: 0.2, seed: 5)
        let plan = BootstrapPlan(seed: 1, resamples: 400)
        for metric in [TaggingBootstrap.Metric.rocAUC, .averagePrecision] {
            let same = try XCTUnwrap(TaggingBootstrap.difference(metric, a: s, b: s, tags: y, tagCount: 4, plan: plan, purpose: "m",
                                                                 on: engine))
            XCTAssertEqual(same.interval, Interval(low: 0, high: 0))
            XCTAssertEqual(same.p, 1)
            let better = sample(clips: 80, tags: 4, skill: 2, seed: 6).scores.enumerated().map { i, v in v + (y[i] ? 2 : 0) }
            let t = try XCTUnwrap(TaggingBootstrap.difference(metric, a: s, b: better, tags: y, tagCount: 4, plan: plan, purpose: "m",
                                                              on: engine))
            XCTAssertGreaterThan(t.interval.low, 0, "\(metric)")
            XCTAssertLessThan(t.p, 0.01)
        }
    }
}
