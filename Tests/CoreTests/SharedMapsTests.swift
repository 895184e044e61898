import XCTest
@testable import Core

/// The batch-norm CNN's and the short-chunk ResNet's blocks write BN, ReLU and the residual sum
/// over the maps before them, and their backward over the gradients they are given (`sharesMaps`).
/// That changes where numbers are stored, never which numbers: logits, every gradient, the running
/// statistics and a few optimiser steps equal the one-map-per-layer pass bit for bit.
final class SharedMapsTests: XCTestCase {
    private func bits(_ model: Model) -> [[UInt32]] { model.state.map { $0.value.map(\.bitPattern) } }

    func testSharedMapsGiveTheSameBitsAsOneMapPerLayer() throws {
        var resnet = ModelSpec(filters: [6, 8, 8], dropout: 0.2, denseUnits: 10)
        resnet.kind = .shortChunkResNet // 1 -> 6 and 6 -> 8 project, 8 -> 8 is an identity shortcut
        var bn = ModelSpec(filters: [5, 9], batchNorm: true, dropout: 0.2, denseUnits: 10)
        bn.head = .avgmax
        for (spec, name) in [(resnet, "resnet"), (bn, "batch-norm cnn")] {
            let (h, w, n, k) = (19, 30, 6, 4)
            let config = ModelConfig(spec: spec, input: InputShape(height: h, width: w), classes: k)
            func train(shared: Bool) -> (logits: [[UInt32]], grads: [[UInt32]], state: [[UInt32]], inference: [UInt32]) {
                var rng = SeededRNG(seed: 21)
                let model = Model(config: config, rng: &rng)
                model.sharesMaps = shared
                XCTAssertEqual(model.sharesMaps, shared)
                let optimizer = Optimizer(kind: .adam, learningRate: 0.01, momentum: 0, parameters: model.parameters)
                var logits: [[UInt32]] = [], grads: [[UInt32]] = []
                var data = SeededRNG(seed: 5)
                for _ in 0..<3 {
                    let x = Tensor(shape: [1, n, h, w], data: (0..<(n * h * w)).map { _ in Float(data.normal()) })
                    let z = model.forward(x, training: true, on: engine).data
                    var probs: [Float] = []
                    let g = Tensor(shape: [n, k])
                    _ = SoftmaxCrossEntropy.lossAndGradient(logits: Tensor(shape: [n, k], data: z), labels: [0, 1, 2, 3, 1, 0][...],
                                                            probabilities: &probs, gradient: g)
                    model.backward(g, on: engine)
                    logits.append(z.map(\.bitPattern))
                    grads += model.parameters.map { $0.grad.map(\.bitPattern) }
                    optimizer.update(model.parameters, on: engine)
                }
                let probe = (0..<(n * h * w)).map { Float(sin(Double($0))) }
                return (logits, grads, bits(model), model.predict(probe, count: n, batchSize: 4, on: engine).map(\.bitPattern))
            }
            let shared = train(shared: true), separate = train(shared: false)
            XCTAssertEqual(shared.logits, separate.logits, "\(name): logits")
            XCTAssertEqual(shared.grads.count, separate.grads.count)
            for (i, (a, b)) in zip(shared.grads, separate.grads).enumerated() {
                XCTAssertTrue(a == b, "\(name): gradient \(i): \(zip(a, b).filter { $0 != $1 }.count) of \(a.count) differ")
            }
            XCTAssertEqual(shared.state, separate.state, "\(name): weights and running statistics after 3 steps")
            XCTAssertEqual(shared.inference, separate.inference, "\(name): inference")
            XCTAssertTrue(shared.grads.allSatisfy { $0.contains { $0 != 0 } }, "\(name): every parameter learns")
        }
    }
}
