import Foundation
import XCTest
@testable import Core

/// The tagging loss: its value by hand, stability for huge logits, and its gradient by finite
/// differences, on the logits alone and through a whole network.
final class BinaryCrossEntropyTests: XCTestCase {
    func testLossByHandAndStableForHugeLogits() {
        let logits = Tensor(shape: [2, 2], data: [0, 2, 1000, -1000])
        var p: [Float] = []
        let g = Tensor(shape: [2, 2])
        let loss = SigmoidBinaryCrossEntropy.lossAndGradient(logits: logits, targets: [1, 0, 1, 0], probabilities: &p, gradient: g)
        // Clip 1: (log 2 + log(1 + e^2)) / 2; clip 2 is certain and right: 0.
        XCTAssertEqual(loss, (log(2.0) + log(1 + exp(2.0))) / 2, accuracy: 1e-12)
        XCTAssertEqual([p[0], p[2], p[3]], [0.5, 1, 0])
        XCTAssertEqual(p[1], Float(1 / (1 + exp(-2.0))), accuracy: 1e-7) // float32 arithmetic: within an ulp
        XCTAssert(g.data.allSatisfy(\.isFinite))
        XCTAssertEqual(g.data[0], (0.5 - 1) / 4)
        // A confident wrong answer costs |z|, exactly, and never overflows.
        let wrong = SigmoidBinaryCrossEntropy.lossAndGradient(logits: Tensor(shape: [1, 1], data: [-1000]), targets: [1],
                                                              probabilities: &p, gradient: Tensor(shape: [1, 1]))
        XCTAssertEqual(wrong, 1000)
    }

    /// d(mean loss)/d(logit) against central differences, for hard and soft targets.
    func testGradientByFiniteDifferences() {
        var rng = SeededRNG(seed: 3)
        let (n, k) = (4, 5)
        var z = (0..<(n * k)).map { _ in Float(rng.normal() * 3) }
        let targets = (0..<(n * k)).map { i in i % 3 == 0 ? Float(0.25) : Float(rng.int(below: 2)) }
        var p: [Float] = []
        func meanLoss() -> Double {
            SigmoidBinaryCrossEntropy.lossAndGradient(logits: Tensor(shape: [n, k], data: z), targets: targets, probabilities: &p,
                                                      gradient: Tensor(shape: [n, k])) / Double(n)
        }
        let g = Tensor(shape: [n, k])
        _ = SigmoidBinaryCrossEntropy.lossAndGradient(logits: Tensor(shape: [n, k], data: z), targets: targets, probabilities: &p,
                                                      gradient: g)
        for i in z.indices {
            let d = NNGradientTests.derivative(h: 1e-2, get: { z[i] }, set: { z[i] = $0 }, loss: meanLoss)
            XCTAssertEqual(try XCTUnwrap(d), Double(g.data[i]), accuracy: 2e-4, "logit \(i)")
        }
    }

    /// The loss's gradient through the study's CNN (a 4-tag head): analytic against numeric.
    func testWholeModelGradientWithTheTaggingLoss() {
        var rng = SeededRNG(seed: 12)
        let config = ModelConfig(inputHeight: 8, inputWidth: 8, filters: [2, 3], dropout: 0, denseUnits: 5, classes: 4)
        let model = Model(config: config, rng: &rng)
        let x = Tensor(shape: [1, 3, 8, 8], data: (0..<192).map { _ in Float(rng.normal()) })
        let targets: [Float] = [1, 0, 1, 0, 0, 0, 1, 1, 1, 1, 0, 0]
        var p: [Float] = []
        let grad = Tensor(shape: [3, 4])
        func loss() -> Double {
            SigmoidBinaryCrossEntropy.lossAndGradient(logits: model.forward(x, training: true, on: engine), targets: targets,
                                                      probabilities: &p, gradient: grad) / 3
        }
        _ = loss()
        model.backward(grad, on: engine)
        var num: [Double] = [], ana: [Double] = []
        for param in model.parameters {
            let analytic = param.grad
            for i in stride(from: 0, to: param.value.count, by: max(1, param.value.count / 6)) {
                guard let d = NNGradientTests.derivative(h: 1e-3, get: { param.value[i] }, set: { param.value[i] = $0 }, loss: loss) else {
                    continue
                }
                num.append(d)
                ana.append(Double(analytic[i]))
            }
        }
        XCTAssertGreaterThan(num.count, 20)
        let diff = zip(num, ana).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        let norm = ana.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
        XCTAssertLessThan(diff / norm, 2e-2)
    }
}
