import XCTest
@testable import Core

final class SeededRNGTests: XCTestCase {
    func testSameSeedSameStream() {
        var a = SeededRNG(seed: 42), b = SeededRNG(seed: 42), c = SeededRNG(seed: 43)
        let xa = (0..<100).map { _ in a.next() }
        XCTAssertEqual(xa, (0..<100).map { _ in b.next() })
        XCTAssertNotEqual(xa, (0..<100).map { _ in c.next() })
    }

    func testStateRestoresStream() {
        var a = SeededRNG(seed: 7)
        _ = (0..<10).map { _ in a.next() }
        var b = SeededRNG(state: a.state)
        XCTAssertEqual((0..<10).map { _ in a.next() }, (0..<10).map { _ in b.next() })
    }

    func testUniformAndIntRanges() {
        var r = SeededRNG(seed: 1)
        var counts = [Int](repeating: 0, count: 5)
        for _ in 0..<10_000 {
            let u = r.uniform()
            XCTAssert(u >= 0 && u < 1)
            counts[r.int(below: 5)] += 1
        }
        for c in counts { XCTAssert(c > 1800 && c < 2200, "\(counts)") }
    }

    func testNormalMoments() {
        var r = SeededRNG(seed: 3)
        let xs = (0..<20_000).map { _ in r.normal() }
        let mean = xs.reduce(0, +) / Double(xs.count)
        let variance = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(xs.count)
        XCTAssertEqual(mean, 0, accuracy: 0.03)
        XCTAssertEqual(variance, 1, accuracy: 0.05)
    }

    func testDerivedStreamsDiffer() {
        let base = SeededRNG(seed: 9)
        var a = base.derived("split"), b = base.derived("init"), a2 = base.derived("split")
        let x = a.next()
        XCTAssertNotEqual(x, b.next())
        XCTAssertEqual(x, a2.next())
    }
}
