import Foundation
import XCTest
@testable import Core

/// Average precision and the multi-label report, against hand-worked values and scikit-learn
/// (Tests/Fixtures/metrics/make_tagging_fixture.py wrote the fixture).
final class TaggingMetricsTests: XCTestCase {
    /// Ties are one threshold: the tied pair enters together, at its joint precision.
    func testAveragePrecisionByHandWithTies() throws {
        // 0.9 (+): P 1, R 1/2. 0.8 (+ and -, tied): P 2/3, R 1. 0.3 (-): P 1/2, no recall gained.
        let ap = try XCTUnwrap(PrecisionRecall.averagePrecision(scores: [0.9, 0.8, 0.8, 0.3], positive: [true, false, true, false]))
        XCTAssertEqual(ap, 0.5 * 1 + 0.5 * 2 / 3, accuracy: 1e-15)
        // Untied, the order inside the pair matters: the positive first gives 1, 1 -> AP 1.
        XCTAssertEqual(PrecisionRecall.averagePrecision(scores: [0.9, 0.85, 0.8, 0.3], positive: [true, true, false, false]), 1)
        // Every score equal: one threshold, precision = the positives' share.
        XCTAssertEqual(PrecisionRecall.averagePrecision(scores: [0.5, 0.5, 0.5, 0.5], positive: [true, false, false, false]), 0.25)
        // The positive last of four distinct scores: recall 1 reached at precision 1/4.
        XCTAssertEqual(PrecisionRecall.averagePrecision(scores: [0.9, 0.8, 0.7, 0.1], positive: [false, false, false, true]), 0.25)
    }

    /// No positive: AP and ROC-AUC undefined (nil), never 0 or NaN; only positives: AP 1, ROC-AUC undefined.
    func testUndefinedCases() {
        XCTAssertNil(PrecisionRecall.averagePrecision(scores: [0.1, 0.2], positive: [false, false]))
        XCTAssertNil(PrecisionRecall.curve(scores: [0.1, 0.2], positive: [false, false]))
        XCTAssertEqual(PrecisionRecall.averagePrecision(scores: [0.1, 0.2], positive: [true, true]), 1)
        let r = TaggingReport(scores: [0.9, 0.1, 0.2, 0.8, 0.4, 0.6], tags: [true, false, false, false, true, false], tagCount: 2)
        XCTAssertEqual(r.positives, [2, 0])
        XCTAssertNil(r.rocAUC[1])
        XCTAssertNil(r.averagePrecision[1])
        XCTAssertEqual(r.rocAUC.compactMap { $0 }.count, 1)
        XCTAssertEqual(r.macroROCAUC, r.rocAUC[0]!, "the macro mean is over the defined tags only")
        XCTAssertEqual(r.macroAveragePrecision, r.averagePrecision[0]!)
        let none = TaggingReport(scores: [0.3, 0.4], tags: [false, false], tagCount: 1)
        XCTAssertNil(none.macroROCAUC)
        XCTAssertNil(none.microAveragePrecision)
    }

    private struct Fixture: Decodable {
        struct Curve: Decodable { var precision: [Double]; var recall: [Double]; var thresholds: [Double] }
        struct Case: Decodable {
            var items: Int, tags: Int, labels: [Int], scores: [Double]
            var roc_auc: [Double?], average_precision: [Double?]
            var macro_roc_auc: Double, macro_average_precision: Double, micro_roc_auc: Double, micro_average_precision: Double
            var curve_tag: Int, curve: Curve
        }
        var cases: [Case]
    }

    /// Every per-tag, macro and micro figure and one tag's curve agree with scikit-learn to 1e-12,
    /// and the tags scikit-learn cannot score are the ones that are undefined here.
    func testMatchesScikitLearn() throws {
        let f = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: fixtureURL("metrics/sklearn_tagging.json")))
        XCTAssertEqual(f.cases.count, 4)
        for c in f.cases {
            let r = TaggingReport(scores: c.scores, tags: c.labels.map { $0 == 1 }, tagCount: c.tags)
            func same(_ a: [Double?], _ b: [Double?], _ what: String) {
                XCTAssertEqual(a.map { $0 == nil }, b.map { $0 == nil }, "\(what): which tags are undefined, \(c.items)x\(c.tags)")
                for (x, y) in zip(a, b) { if let x, let y { XCTAssertEqual(x, y, accuracy: 1e-12, what) } }
            }
            same(r.rocAUC, c.roc_auc, "ROC-AUC")
            same(r.averagePrecision, c.average_precision, "AP")
            XCTAssertEqual(try XCTUnwrap(r.macroROCAUC), c.macro_roc_auc, accuracy: 1e-12)
            XCTAssertEqual(try XCTUnwrap(r.macroAveragePrecision), c.macro_average_precision, accuracy: 1e-12)
            XCTAssertEqual(try XCTUnwrap(r.microROCAUC), c.micro_roc_auc, accuracy: 1e-12)
            XCTAssertEqual(try XCTUnwrap(r.microAveragePrecision), c.micro_average_precision, accuracy: 1e-12)
            let t = c.curve_tag
            let curve = try XCTUnwrap(PrecisionRecall.curve(scores: (0..<c.items).map { c.scores[$0 * c.tags + t] },
                                                            positive: (0..<c.items).map { c.labels[$0 * c.tags + t] == 1 }))
            XCTAssertEqual(curve.thresholds, c.curve.thresholds)
            XCTAssertEqual(curve.recall.count, c.curve.recall.count)
            for (x, y) in zip(curve.recall + curve.precision, c.curve.recall + c.curve.precision) { XCTAssertEqual(x, y, accuracy: 1e-15) }
        }
    }

    private struct RunFixture: Decodable {
        struct Figures: Decodable {
            var macro_roc_auc: Double, macro_pr_auc: Double, micro_roc_auc: Double, micro_pr_auc: Double
        }
        var run: String, tags: [String], labels: [Int], scores: [Double]
        var roc_auc: [Double?], average_precision: [Double?], lab_roc_auc: [Double?], lab_average_precision: [Double?]
        var sklearn_figures: Figures, lab_figures: Figures
    }

    /// A real run of reports/tagging.lab.md: bench/tagging_parity.py read its predictions.csv,
    /// recomputed every figure with scikit-learn and wrote both into the fixture. The report's own
    /// numbers agree with scikit-learn's to 1e-9, and TaggingReport on the clips' scores as written
    /// gives the report's numbers to the last bit.
    func testATaggingRunsFiguresAgreeWithScikitLearn() throws {
        let f = try JSONDecoder().decode(RunFixture.self, from: Data(contentsOf: fixtureURL("metrics/tagging_run.json")))
        let k = f.tags.count
        XCTAssertGreaterThan(k, 1)
        XCTAssertEqual(f.scores.count, f.labels.count)
        for (lab, sklearn, what) in [(f.lab_roc_auc, f.roc_auc, "ROC-AUC"), (f.lab_average_precision, f.average_precision, "PR-AUC")] {
            XCTAssertEqual(lab.map { $0 == nil }, sklearn.map { $0 == nil }, "\(what): the same tags undefined")
            for (x, y) in zip(lab, sklearn) { if let x, let y { XCTAssertEqual(x, y, accuracy: 1e-9, what) } }
        }
        let (lab, sk) = (f.lab_figures, f.sklearn_figures)
        for (x, y) in [(lab.macro_roc_auc, sk.macro_roc_auc), (lab.macro_pr_auc, sk.macro_pr_auc), (lab.micro_roc_auc, sk.micro_roc_auc),
                       (lab.micro_pr_auc, sk.micro_pr_auc)] {
            XCTAssertEqual(x, y, accuracy: 1e-9)
        }
        let r = TaggingReport(scores: f.scores, tags: f.labels.map { $0 == 1 }, tagCount: k)
        XCTAssertEqual(r.rocAUC, f.lab_roc_auc)
        XCTAssertEqual(r.averagePrecision, f.lab_average_precision)
        XCTAssertEqual(r.macroROCAUC, f.lab_figures.macro_roc_auc)
        XCTAssertEqual(r.macroAveragePrecision, f.lab_figures.macro_pr_auc)
    }
}
