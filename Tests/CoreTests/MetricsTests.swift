import XCTest
@testable import Core

final class ROCTests: XCTestCase {
    func testHandWorkedCasesWithTies() {
        // Perfect ranking, inverted ranking, all tied.
        XCTAssertEqual(ROC.auc(scores: [0.1, 0.4, 0.35, 0.8], positive: [false, false, true, true]), 0.75)
        XCTAssertEqual(ROC.auc(scores: [0.1, 0.2, 0.8, 0.9], positive: [false, false, true, true]), 1)
        XCTAssertEqual(ROC.auc(scores: [0.9, 0.8, 0.2, 0.1], positive: [false, false, true, true]), 0)
        XCTAssertEqual(ROC.auc(scores: [0.5, 0.5, 0.5, 0.5], positive: [false, true, false, true]), 0.5)
        // One positive tied with one negative counts half: pairs (p=.5 vs n=.5) = 0.5, (p=.5 vs n=.1) = 1 -> 0.75.
        XCTAssertEqual(ROC.auc(scores: [0.1, 0.5, 0.5], positive: [false, false, true]), 0.75)
    }

    func testDegenerateCasesAreUndefined() {
        XCTAssertNil(ROC.auc(scores: [0.1, 0.2], positive: [true, true]))
        XCTAssertNil(ROC.auc(scores: [0.1, 0.2], positive: [false, false]))
        XCTAssertNil(ROC.auc(scores: [], positive: []))
        // Class 2 never appears: its AUC is undefined and so is the macro average.
        let p: [Double] = [0.8, 0.1, 0.1, 0.2, 0.7, 0.1, 0.6, 0.3, 0.1]
        let per = ROC.perClassAUC(probabilities: p, labels: [0, 1, 0], classCount: 3)
        XCTAssertNil(per[2])
        XCTAssertNotNil(per[0])
        XCTAssertNil(ROC.macroAUC(probabilities: p, labels: [0, 1, 0], classCount: 3))
    }

    func testCurveDropsCollinearPointsLikeScikitLearn() {
        let c = ROC.curve(scores: [0.1, 0.2, 0.3, 0.4], positive: [false, false, true, true])!
        XCTAssertEqual(c.falsePositiveRate, [0, 0, 0, 1])
        XCTAssertEqual(c.truePositiveRate, [0, 0.5, 1, 1])
        XCTAssertEqual(c.thresholds.first, .infinity)
    }

    struct Fixture: Decodable {
        struct Case: Decodable {
            var classes: Int, labels: [Int], probabilities: [Double]
            var macro: Double, micro: Double, per_class: [Double]
            var curve: Curve?
        }
        struct Curve: Decodable { var fpr: [Double], tpr: [Double] }
        var cases: [Case]
    }

    /// Matches roc_auc_score(multi_class="ovr", average="macro"/"micro") to 1e-9
    /// (fixture: Tests/Fixtures/metrics/make_fixture.py).
    func testMatchesScikitLearn() throws {
        let f = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: fixtureURL("metrics/sklearn_auc.json")))
        for c in f.cases {
            XCTAssertEqual(ROC.macroAUC(probabilities: c.probabilities, labels: c.labels, classCount: c.classes)!, c.macro, accuracy: 1e-9)
            XCTAssertEqual(ROC.microAUC(probabilities: c.probabilities, labels: c.labels, classCount: c.classes)!, c.micro, accuracy: 1e-9)
            let per = ROC.perClassAUC(probabilities: c.probabilities, labels: c.labels, classCount: c.classes)
            for (a, b) in zip(per, c.per_class) { XCTAssertEqual(a!, b, accuracy: 1e-9) }
            if let curve = c.curve {
                let ours = ROC.curve(scores: c.labels.indices.map { c.probabilities[$0 * 2 + 1] }, positive: c.labels.map { $0 == 1 })!
                XCTAssertEqual(ours.falsePositiveRate.count, curve.fpr.count)
                for (a, b) in zip(ours.falsePositiveRate, curve.fpr) { XCTAssertEqual(a, b, accuracy: 1e-12) }
                for (a, b) in zip(ours.truePositiveRate, curve.tpr) { XCTAssertEqual(a, b, accuracy: 1e-12) }
            }
        }
    }
}

final class ClassificationTests: XCTestCase {
    func testConfusionMatrixAndScores() {
        let m = ConfusionMatrix(labels: [0, 0, 1, 1, 2, 2], predictions: [0, 1, 1, 1, 0, 0], classCount: 3)
        XCTAssertEqual(m.counts, [[1, 1, 0], [0, 2, 0], [2, 0, 0]])
        XCTAssertEqual(m.accuracy, 0.5)
        XCTAssertEqual(m.precision[0]!, 1.0 / 3)
        XCTAssertEqual(m.recall[1]!, 1)
        XCTAssertNil(m.precision[2]) // never predicted
        XCTAssertEqual(m.f1[2]!, 0)
        XCTAssertEqual(m.f1[1]!, 2 * (2.0 / 3) * 1 / (2.0 / 3 + 1), accuracy: 1e-12)
    }

    func testArgmaxTiesGoToLowestIndex() {
        XCTAssertEqual(argmaxRows([0.5, 0.5, 0.2, 0.3, 0.5, 0.2], classCount: 3), [0, 1])
    }

    func testClipAggregationIsTheMeanOfSegments() {
        let p: [Double] = [0.9, 0.1, 0.3, 0.7, 0.2, 0.8, 0.6, 0.4]
        let agg = ClipAggregation.mean(probabilities: p, classCount: 2, clipIDs: [5, 5, 2, 5])
        XCTAssertEqual(agg.clipIDs, [5, 2])
        XCTAssertEqual(agg.probabilities[0], (0.9 + 0.3 + 0.6) / 3, accuracy: 1e-12)
        XCTAssertEqual(agg.probabilities[2], 0.2, accuracy: 1e-12)
        let report = ClassificationReport(probabilities: agg.probabilities, labels: [0, 1], classCount: 2)
        XCTAssertEqual(report.accuracy, 1)
        XCTAssertEqual(report.macroAUC, 1)
    }
}
