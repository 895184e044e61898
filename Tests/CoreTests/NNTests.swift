import XCTest
@testable import Core

final class NNGradientTests: XCTestCase {
    /// Loss = sum(output * probe) for a fixed random probe, so every output element matters.
    /// `distinct`: inputs are a shuffled ramp with gaps of 0.1 > 2h, so no difference step crosses a
    /// max-pool or ReLU kink (where the derivative does not exist).
    private func checkLayer(_ layer: Layer, inputShape: [Int], seed: UInt64 = 1, distinct: Bool = false, h: Float = 1e-2,
                            line: UInt = #line) {
        var rng = SeededRNG(seed: seed)
        let n = inputShape.reduce(1, *)
        var values = distinct ? (0..<n).map { Float($0 - n / 2) * 0.1 + 0.05 } : (0..<n).map { _ in Float(rng.normal()) }
        if distinct { rng.shuffle(&values) }
        let x = Tensor(shape: inputShape, data: values)
        let y = layer.forward(x, training: true, on: engine)
        let probe = (0..<y.count).map { _ in Float(rng.normal()) }
        func loss(_ input: Tensor) -> Double {
            let out = layer.forward(input, training: true, on: engine)
            return zip(out.data, probe).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        _ = layer.forward(x, training: true, on: engine)
        let dx = Tensor(shape: x.shape, data: layer.backward(Tensor(shape: y.shape, data: probe), on: engine).data)
        let paramGrads = layer.parameters.map(\.grad)
        // Central differences in float32 with h = 1e-2: truncation error O(h^2) ~ 1e-4 relative, rounding
        // ~ 1e-7 * |loss| / h; we compare the whole gradient vectors by relative L2 error < 1e-2. Layers
        // with ReLU kinks behind batch norm (every input moves every output) take a smaller h.
        var num: [Double] = [], ana: [Double] = [], kinks = 0
        func sample(_ get: () -> Float, _ set: (Float) -> Void, analytic: Float) {
            guard let d = Self.derivative(h: h, get: get, set: set, loss: { loss(x) }) else { kinks += 1; return }
            num.append(d)
            ana.append(Double(analytic))
        }
        for i in stride(from: 0, to: x.count, by: max(1, x.count / 40)) {
            sample({ x.data[i] }, { x.data[i] = $0 }, analytic: dx.data[i])
        }
        for (p, g) in zip(layer.parameters, paramGrads) {
            if Self.cancelledByNorm(p) {
                XCTAssert(g.allSatisfy { abs($0) < 1e-4 }, "\(p.name): a bias before batch norm has no effect", line: line)
                continue
            }
            for i in stride(from: 0, to: p.value.count, by: max(1, p.value.count / 20)) {
                sample({ p.value[i] }, { p.value[i] = $0 }, analytic: g[i])
            }
        }
        XCTAssertLessThanOrEqual(kinks * 4, num.count + kinks, "\(layer.name): most points must be smooth", line: line)
        let diff = zip(num, ana).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        let norm = ana.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
        XCTAssertLessThan(diff / max(norm, 1e-12), 1e-2, "\(layer.name): relative gradient error", line: line)
    }

    /// The central difference (f(v + h) - f(v - h)) / 2h, or nil where [v - h, v + h] holds a kink (a
    /// ReLU or max-pool switching): there the two one-sided differences disagree, and the derivative
    /// does not exist. Smooth points agree to O(h f'').
    static func derivative(h: Float, get: () -> Float, set: (Float) -> Void, loss: () -> Double) -> Double? {
        let v = get(), mid = loss()
        set(v + h); let up = loss()
        set(v - h); let down = loss()
        set(v)
        let forward = (up - mid) / Double(h), backward = (mid - down) / Double(h)
        guard abs(forward - backward) <= 0.1 * max(abs(forward), abs(backward)) + 1e-3 else { return nil }
        return (up - down) / Double(2 * h)
    }

    /// A convolution's bias straight before batch norm: the norm subtracts the batch mean, so the true
    /// gradient is 0 and a difference quotient is pure rounding noise; checked to be ~0 instead.
    static func cancelledByNorm(_ p: Parameter) -> Bool {
        [".conv1.bias", ".conv2.bias", ".shortcut.bias"].contains { p.name.hasSuffix($0) }
    }

    func testConvGradients() {
        var rng = SeededRNG(seed: 2)
        let winograd = Conv2D(name: "conv_winograd", inChannels: 2, outChannels: 3, kernel: 3, rng: &rng)
        XCTAssertEqual(winograd.algorithm, .winograd)
        checkLayer(winograd, inputShape: [2, 2, 5, 6])
        checkLayer(Conv2D(name: "conv_winograd_even", inChannels: 3, outChannels: 2, kernel: 3, rng: &rng), inputShape: [3, 2, 4, 6])
        let im2col = Conv2D(name: "conv_im2col", inChannels: 2, outChannels: 3, kernel: 3, rng: &rng)
        im2col.algorithm = .im2col
        checkLayer(im2col, inputShape: [2, 2, 5, 6])
        checkLayer(Conv2D(name: "conv_s2", inChannels: 2, outChannels: 2, kernel: 3, stride: 2, padding: 0, rng: &rng), inputShape: [2, 2,
                7, 7])
        checkLayer(Conv2D(name: "conv_k5", inChannels: 1, outChannels: 2, kernel: 5, stride: 1, padding: 2, rng: &rng), inputShape: [1, 3,
                6, 5])
    }

    func testDenseBatchNormPoolingGradients() {
        var rng = SeededRNG(seed: 3)
        checkLayer(Dense(name: "dense", inFeatures: 7, outFeatures: 4, rng: &rng), inputShape: [3, 7])
        checkLayer(BatchNorm(name: "bn", channels: 3), inputShape: [3, 4, 3, 3])
        checkLayer(MaxPool2D(name: "pool"), inputShape: [2, 2, 4, 6], distinct: true)
        checkLayer(ReLU(name: "relu"), inputShape: [2, 3, 4, 4], distinct: true)
        checkLayer(Flatten(name: "flatten"), inputShape: [2, 3, 2, 2])
        checkLayer(GlobalAveragePool(name: "gap"), inputShape: [3, 2, 3, 4])
    }

    /// The modern head's pooling over time, each mode (distinct inputs: no max ties to straddle).
    func testTimePoolGradients() {
        for pooling in [HeadPooling.avg, .max, .avgmax] {
            checkLayer(TimePool(name: "time_pool_\(pooling.rawValue)", pooling: pooling), inputShape: [3, 2, 4, 5], distinct: true)
        }
    }

    func testTimePoolByHand() {
        // One channel, one sample, two rows of three frames: means 2 and -1/3, maxima 3 and 1.
        let x = Tensor(shape: [1, 1, 2, 3], data: [1, 3, 2, 1, -3, 1])
        let pool = TimePool(name: "p", pooling: .avgmax)
        XCTAssertEqual(pool.forward(x, training: true, on: engine).data, [2, -1.0 / 3, 3, 1])
        // The max's gradient goes to the first maximum (row 2 has two: frames 0 and 2).
        XCTAssertEqual(pool.backward(Tensor(shape: [1, 4], data: [3, 3, 1, 1]), on: engine).data, [1, 2, 1, 2, 1, 1])
    }

    /// The ResNet block with a 1x1 projection and with an identity shortcut, batch norm inside.
    func testResidualBlockGradients() {
        var rng = SeededRNG(seed: 4)
        let projected = ResidualBlock(name: "res_projected", first: Conv2D(name: "res.conv1", inChannels: 2, outChannels: 3, kernel: 3,
                                                                           rng: &rng),
                                      projects: true, rng: &rng)
        // Behind batch norm a step moves every value of the batch, so h = 1e-2 crosses ReLU and pool
        // kinks (the input gradient's error falls from 8% at 1e-2 to 0.4% at 1e-3: kinks, not a bug).
        checkLayer(projected, inputShape: [2, 3, 4, 6], h: 1e-3)
        let identity = ResidualBlock(name: "res_identity", first: Conv2D(name: "res.conv1", inChannels: 3, outChannels: 3, kernel: 3,
                                                                         rng: &rng),
                                     projects: false, rng: &rng)
        checkLayer(identity, inputShape: [3, 3, 6, 4], h: 1e-3)
    }

    func testWholeModelGradientWithModernHeadAndResNet() {
        for head in [HeadPooling.avg, .max, .avgmax] {
            var cnn = ModelConfig(inputHeight: 8, inputWidth: 8, filters: [2, 3], batchNorm: true, dropout: 0, denseUnits: 5, classes: 3)
            cnn.spec.head = head
            checkWholeModelGradient(cnn)
        }
        var resnet = ModelConfig(inputHeight: 8, inputWidth: 8, filters: [2, 3], dropout: 0, denseUnits: 5, classes: 3)
        resnet.spec.kind = .shortChunkResNet
        checkWholeModelGradient(resnet, h: 3e-4)
        resnet.spec.filters = [3, 3] // the second block's shortcut is the identity
        checkWholeModelGradient(resnet, h: 3e-4)
    }

    func testDropoutIsInvertedAndSeeded() {
        let d = Dropout(name: "d", rate: 0.5)
        d.rng = SeededRNG(seed: 5)
        let x = Tensor(shape: [1, 1, 100, 100], data: [Float](repeating: 1, count: 10_000))
        let y = d.forward(x, training: true, on: engine).data
        XCTAssert(y.allSatisfy { $0 == 0 || $0 == 2 })
        XCTAssertEqual(Double(y.reduce(0, +)) / 10_000, 1, accuracy: 0.05) // expectation preserved
        let g = d.backward(Tensor(shape: x.shape, data: [Float](repeating: 1, count: 10_000)), on: engine).data
        XCTAssertEqual(g, y) // same mask
        XCTAssertEqual(d.forward(x, training: false, on: engine).data, x.data)
    }

    func testSoftmaxCrossEntropyGradient() {
        let logits = Tensor(shape: [2, 3], data: [1, 2, 3, 1000, 0, -1000])
        var probs: [Float] = []
        let grad = Tensor(shape: [2, 3])
        let loss = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: [2, 0][...], probabilities: &probs, gradient: grad)
        // Row 1: -log softmax(3) = log(e^-2 + e^-1 + 1); row 2 is certain (stable for huge logits).
        XCTAssertEqual(loss, log(exp(-2.0) + exp(-1.0) + 1), accuracy: 1e-5)
        XCTAssert(probs.allSatisfy { $0.isFinite })
        XCTAssertEqual(grad.data[2], (probs[2] - 1) / 2, accuracy: 1e-7)
        XCTAssertEqual(grad.data[0], probs[0] / 2, accuracy: 1e-7)
    }

    func testWholeModelGradient() {
        checkWholeModelGradient(ModelConfig(inputHeight: 8, inputWidth: 8, filters: [2, 3], batchNorm: true, dropout: 0, denseUnits: 5,
                                            classes: 3))
    }

    /// Multi-channel input (the harmonic front end's H channels): the first convolution takes the
    /// general (Winograd) path, fused with its pool and ReLU or with batch norm between.
    func testWholeModelGradientWithThreeInputChannels() {
        checkWholeModelGradient(ModelConfig(inputChannels: 3, inputHeight: 8, inputWidth: 8, filters: [2, 3], dropout: 0, denseUnits: 5,
                                            classes: 3))
        checkWholeModelGradient(ModelConfig(inputChannels: 3, inputHeight: 8, inputWidth: 8, filters: [2, 3], batchNorm: true, dropout: 0,
                                            denseUnits: 5, classes: 3))
    }

    private func checkWholeModelGradient(_ config: ModelConfig, h: Float = 1e-3, line: UInt = #line) {
        var rng = SeededRNG(seed: 11)
        let model = Model(config: config, rng: &rng)
        let c = config.input.channels
        let x = Tensor(shape: [c, 4, 8, 8], data: (0..<(256 * c)).map { _ in Float(rng.normal()) })
        let labels = [0, 1, 2, 1]
        var probs: [Float] = []
        let grad = Tensor(shape: [4, 3])
        func loss() -> Double { // the mean loss, whose gradient the fused layer returns
            SoftmaxCrossEntropy.lossAndGradient(logits: model.forward(x, training: true, on: engine), labels: labels[...],
                                                probabilities: &probs,
                                                gradient: grad) / 4
        }
        _ = loss()
        model.backward(grad, on: engine)
        var num: [Double] = [], ana: [Double] = [], kinks = 0
        for p in model.parameters {
            let analytic = p.grad
            if Self.cancelledByNorm(p) {
                XCTAssert(analytic.allSatisfy { abs($0) < 1e-4 }, "\(p.name): a bias before batch norm has no effect", line: line)
                continue
            }
            for i in stride(from: 0, to: p.value.count, by: max(1, p.value.count / 6)) {
                guard let d = Self.derivative(h: h, get: { p.value[i] }, set: { p.value[i] = $0 }, loss: loss) else { kinks += 1; continue }
                num.append(d)
                ana.append(Double(analytic[i]))
            }
        }
        XCTAssertLessThanOrEqual(kinks * 4, num.count + kinks, "most points must be smooth", line: line)
        let diff = zip(num, ana).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        let norm = ana.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
        XCTAssertLessThan(diff / norm, 2e-2, line: line)
    }
}

final class NNForwardTests: XCTestCase {
    func testConvForwardByHand() {
        var rng = SeededRNG(seed: 0)
        let conv = Conv2D(name: "c", inChannels: 1, outChannels: 1, kernel: 3, rng: &rng)
        conv.weight.value = [0, 0, 0, 0, 1, 0, 0, 0, 1] // centre + bottom-right
        conv.bias.value = [0.5]
        let x = Tensor(shape: [1, 1, 2, 2], data: [1, 2, 3, 4])
        // y[i,j] = x[i,j] + x[i+1,j+1] (0 outside) + 0.5
        XCTAssertEqual(conv.forward(x, training: false, on: engine).data, [1 + 4 + 0.5, 2.5, 3.5, 4.5])
    }

    /// Winograd and im2col compute the same convolution and the same gradients (to float32 rounding),
    /// on odd and even sizes, so ragged tiles and borders are covered.
    func testWinogradMatchesIm2col() {
        for (h, w) in [(7, 9), (8, 6), (1, 1), (2, 3)] {
            var rng = SeededRNG(seed: UInt64(h * 100 + w))
            let a = Conv2D(name: "a", inChannels: 5, outChannels: 4, kernel: 3, rng: &rng)
            let b = Conv2D(name: "b", inChannels: 5, outChannels: 4, kernel: 3, rng: &rng)
            b.weight.value = a.weight.value
            b.bias.value = (0..<4).map { _ in Float(rng.normal()) }
            a.bias.value = b.bias.value
            b.algorithm = .im2col
            let x = Tensor(shape: [5, 3, h, w], data: (0..<(15 * h * w)).map { _ in Float(rng.normal()) })
            let dy = Tensor(shape: [4, 3, h, w], data: (0..<(12 * h * w)).map { _ in Float(rng.normal()) })
            func close(_ p: [Float], _ q: [Float], _ what: String) {
                let err = zip(p, q).map { abs($0 - $1) }.max()!, scale = q.map(abs).max()!
                XCTAssertLessThan(err, 1e-5 * max(scale, 1), "\(what) \(h)x\(w)")
            }
            close(a.forward(x, training: true, on: engine).data, b.forward(x, training: true, on: engine).data, "forward")
            close(a.backward(dy, on: engine).data, b.backward(dy, on: engine).data, "input gradient")
            close(a.weight.grad, b.weight.grad, "weight gradient")
            close(a.bias.grad, b.bias.grad, "bias gradient")
        }
    }

    /// With few input channels (the harmonic front end's first layer) the weight gradient is built
    /// transposed for speed: the same bits as the plain order, and im2col's values to rounding.
    func testNarrowWinogradWeightGradientIsBitIdentical() {
        var rng = SeededRNG(seed: 21)
        let a = Conv2D(name: "a", inChannels: 6, outChannels: 16, kernel: 3, rng: &rng)
        a.computesInputGradient = false
        XCTAssertEqual(a.algorithm, .winograd)
        let x = Tensor(shape: [6, 3, 13, 11], data: (0..<(18 * 143)).map { _ in Float(rng.normal()) })
        let dy = Tensor(shape: [16, 3, 13, 11], data: (0..<(48 * 143)).map { _ in Float(rng.normal()) })
        func gradient(transposed: Bool, algorithm: ConvAlgorithm = .winograd) -> [Float] {
            let context = engine.with(transposesNarrowGradient: transposed)
            a.algorithm = algorithm
            _ = a.forward(x, training: true, on: context)
            _ = a.backward(dy, on: context)
            return a.weight.grad
        }
        let fast = gradient(transposed: true), plain = gradient(transposed: false)
        XCTAssertEqual(fast, plain)
        let reference = gradient(transposed: true, algorithm: .im2col)
        let err = zip(fast, reference).map { abs($0 - $1) }.max()!, scale = reference.map(abs).max()!
        XCTAssertLessThan(err, 1e-5 * max(scale, 1))
    }

    /// Winograd keeps its transformed filters while the weights are unchanged: after a weight changes,
    /// the next forward must use the new weights (the same bits as a layer built with them).
    func testWinogradFilterTransformFollowsWeightChanges() {
        var rng = SeededRNG(seed: 11)
        let a = Conv2D(name: "a", inChannels: 8, outChannels: 8, kernel: 3, rng: &rng)
        let x = Tensor(shape: [8, 2, 6, 6], data: (0..<(8 * 2 * 36)).map { _ in Float(rng.normal()) })
        let before = a.forward(x, training: false, on: engine).data
        XCTAssertEqual(a.forward(x, training: false, on: engine).data, before, "same weights, same output")
        a.weight.value[a.weight.value.count - 1] += 0.5 // only the last weight changes
        let after = a.forward(x, training: false, on: engine).data
        XCTAssertNotEqual(after, before)
        let fresh = Conv2D(name: "b", inChannels: 8, outChannels: 8, kernel: 3, rng: &rng)
        fresh.weight.value = a.weight.value
        fresh.bias.value = a.bias.value
        XCTAssertEqual(fresh.forward(x, training: false, on: engine).data.map(\.bitPattern), after.map(\.bitPattern))
    }

    /// The single-channel direct kernel against im2col: forward, weight and bias gradients, on widths
    /// that are and are not multiples of its 8-column runs.
    func testDirectSingleChannelMatchesIm2col() {
        for (h, w) in [(5, 8), (7, 13), (1, 3), (4, 17)] {
            var rng = SeededRNG(seed: UInt64(h * 100 + w))
            let a = Conv2D(name: "a", inChannels: 1, outChannels: 6, kernel: 3, rng: &rng)
            XCTAssertEqual(a.algorithm, .direct)
            let b = Conv2D(name: "b", inChannels: 1, outChannels: 6, kernel: 3, rng: &rng)
            b.algorithm = .im2col
            b.weight.value = a.weight.value
            a.bias.value = (0..<6).map { _ in Float(rng.normal()) }
            b.bias.value = a.bias.value
            a.computesInputGradient = false
            b.computesInputGradient = false
            let x = Tensor(shape: [1, 3, h, w], data: (0..<(3 * h * w)).map { _ in Float(rng.normal()) })
            let dy = Tensor(shape: [6, 3, h, w], data: (0..<(18 * h * w)).map { _ in Float(rng.normal()) })
            func close(_ p: [Float], _ q: [Float], _ what: String) {
                let err = zip(p, q).map { abs($0 - $1) }.max()!, scale = q.map(abs).max()!
                XCTAssertLessThan(err, 1e-5 * max(scale, 1), "\(what) \(h)x\(w)")
            }
            close(a.forward(x, training: true, on: engine).data, b.forward(x, training: true, on: engine).data, "forward")
            _ = a.backward(dy, on: engine)
            _ = b.backward(dy, on: engine)
            close(a.weight.grad, b.weight.grad, "weight gradient")
            close(a.bias.grad, b.bias.grad, "bias gradient")
        }
    }

    /// The fused conv -> pool -> ReLU inference pass gives the same bits as the layers one by one,
    /// for the direct first layer and the Winograd layers, on odd sizes (ragged tiles and pool edges).
    func testFusedInferenceIsBitIdentical() {
        let config = ModelConfig(inputHeight: 21, inputWidth: 37, filters: [8, 16, 8], dropout: 0.3, denseUnits: 12, classes: 4)
        var rng = SeededRNG(seed: 12)
        let model = Model(config: config, rng: &rng)
        for p in model.parameters where p.name.hasSuffix("bias") { p.value = p.value.map { _ in Float(rng.normal()) * 0.1 } }
        let x = (0..<(5 * 21 * 37)).map { _ in Float(rng.normal()) }
        let fused = model.predict(x, count: 5, batchSize: 3, on: engine)
        model.fusesBlocks = false
        let layered = model.predict(x, count: 5, batchSize: 3, on: engine)
        XCTAssertEqual(fused, layered)
        XCTAssert(fused.allSatisfy { $0.isFinite && $0 > 0 })
    }

    /// With several input channels as well; and `predict` lays each sample's channels out as the
    /// engine's [channels, N, H, W] batch, the same as a batch built by hand.
    func testFusedInferenceIsBitIdenticalWithChannels() {
        let config = ModelConfig(inputChannels: 3, inputHeight: 21, inputWidth: 37, filters: [8, 16, 8], dropout: 0.3, denseUnits: 12,
                                 classes: 4)
        var rng = SeededRNG(seed: 14)
        let model = Model(config: config, rng: &rng)
        let x = (0..<(5 * 3 * 21 * 37)).map { _ in Float(rng.normal()) } // 5 samples, each [3, 21, 37]
        let fused = model.predict(x, count: 5, batchSize: 3, on: engine)
        model.fusesBlocks = false
        XCTAssertEqual(model.predict(x, count: 5, batchSize: 3, on: engine), fused)
        let hw = 21 * 37
        var batch = [Float](repeating: 0, count: x.count)
        for n in 0..<5 { for c in 0..<3 { for i in 0..<hw { batch[(c * 5 + n) * hw + i] = x[(n * 3 + c) * hw + i] } } }
        var logits = model.forward(Tensor(shape: [3, 5, 21, 37], data: batch), training: false, on: engine).data
        SoftmaxCrossEntropy.softmax(&logits, classes: 4)
        XCTAssertEqual(logits, fused)
        // Each channel matters: changing channel 2 of sample 0 changes sample 0's output alone.
        var y = x
        for i in 0..<hw { y[2 * hw + i] += 1 }
        let changed = model.predict(y, count: 5, batchSize: 3, on: engine)
        XCTAssertNotEqual(Array(changed[0..<4]), Array(fused[0..<4]))
        XCTAssertEqual(Array(changed[4...]), Array(fused[4...]))
    }

    /// In training too: the fused forward fills the pool's argmax and the ReLU's output, so logits and
    /// every gradient equal the layer-by-layer pass bit for bit.
    func testFusedTrainingStepIsBitIdentical() {
        // Odd sizes (the pool drops a row and a column) and channel counts that are not whole SIMD8
        // lane groups; the fused Winograd blocks read the pooled gradient directly.
        for (h, w, filters) in [(21, 37, [8, 16, 8]), (19, 30, [6, 12, 10]), (16, 24, [8, 24, 16])] {
            let config = ModelConfig(inputHeight: h, inputWidth: w, filters: filters, dropout: 0, denseUnits: 12, classes: 4)
            var rng = SeededRNG(seed: 13)
            let model = Model(config: config, rng: &rng)
            let x = Tensor(shape: [1, 5, h, w], data: (0..<(5 * h * w)).map { _ in Float(rng.normal()) })
            let labels = [0, 1, 2, 3, 1]
            func step(fused: Bool) -> (logits: [UInt32], grads: [[UInt32]]) {
                model.fusesBlocks = fused
                let logits = model.forward(x, training: true, on: engine).data
                var probs: [Float] = []
                let g = Tensor(shape: [5, 4])
                _ = SoftmaxCrossEntropy.lossAndGradient(logits: Tensor(shape: [5, 4], data: logits), labels: labels[...],
                                                        probabilities: &probs, gradient: g)
                model.backward(g, on: engine)
                return (logits.map(\.bitPattern), model.parameters.map { $0.grad.map(\.bitPattern) })
            }
            let fused = step(fused: true), layered = step(fused: false)
            XCTAssertTrue(fused.logits == layered.logits, "logits differ, \(h)x\(w) \(filters)")
            for (i, (a, b)) in zip(fused.grads, layered.grads).enumerated() {
                XCTAssertTrue(a == b, "\(model.parameters[i].name): \(zip(a, b).filter { $0 != $1 }.count) of \(a.count) gradients "
                        + "differ, \(h)x\(w) \(filters)")
            }
            XCTAssert(fused.grads.allSatisfy { $0.contains { $0 != 0 } })
        }
    }

    /// `predict` on two threads runs whole batches on a replica of the model: the same bits as one
    /// thread, batch by batch, for ragged last batches, and after the weights change (the replica
    /// takes them again).
    func testPredictOnTwoThreadsIsBitIdentical() {
        let config = ModelConfig(inputHeight: 21, inputWidth: 37, filters: [8, 16, 8], dropout: 0.3, denseUnits: 12, classes: 4)
        var rng = SeededRNG(seed: 15)
        let model = Model(config: config, rng: &rng)
        let x = (0..<(7 * 21 * 37)).map { _ in Float(rng.normal()) }
        func predict(threads: Int, batch: Int) -> [Float] {
            model.predict(x, count: 7, batchSize: batch, on: engine.with(threads: threads))
        }
        let one = predict(threads: 1, batch: 2)
        XCTAssertEqual(predict(threads: 2, batch: 2), one)   // batches 0, 2 on one thread; 1, 3 on the other
        XCTAssertEqual(predict(threads: 2, batch: 3), one)   // a different batching, the same bits
        XCTAssertEqual(predict(threads: 2, batch: 7), one)   // one batch: no replica
        for p in model.parameters where p.name.hasSuffix("weight") { p.value = p.value.map { $0 * 0.5 } }
        let changed = predict(threads: 1, batch: 2)
        XCTAssertNotEqual(changed, one)
        XCTAssertEqual(predict(threads: 2, batch: 2), changed)
    }

    func testMaxPoolAndDenseByHand() {
        let pool = MaxPool2D(name: "p")
        let x = Tensor(shape: [1, 1, 2, 5], data: [1, 5, 2, 0, 9, 3, 4, 8, 1, 9]) // last column dropped
        XCTAssertEqual(pool.forward(x, training: false, on: engine).data, [5, 8])
        var rng = SeededRNG(seed: 0)
        let dense = Dense(name: "d", inFeatures: 2, outFeatures: 2, rng: &rng)
        dense.weight.value = [1, 2, 3, 4] // [in, out]
        dense.bias.value = [10, 20]
        XCTAssertEqual(dense.forward(Tensor(shape: [1, 2], data: [1, 1]), training: false, on: engine).data, [14, 26])
    }

    /// The model pools before its ReLU when there is no BatchNorm: both orders must agree exactly,
    /// forward and backward.
    func testMaxPoolAndReLUCommute() {
        var rng = SeededRNG(seed: 4)
        let x = Tensor(shape: [3, 2, 6, 8], data: (0..<288).map { _ in Float(rng.normal()) })
        let dy = Tensor(shape: [3, 2, 3, 4], data: (0..<72).map { _ in Float(rng.normal()) })
        let (r1, p1) = (ReLU(name: "r1"), MaxPool2D(name: "p1"))
        let (p2, r2) = (MaxPool2D(name: "p2"), ReLU(name: "r2"))
        XCTAssertEqual(p1.forward(r1.forward(x, training: true, on: engine), training: true, on: engine).data,
                       r2.forward(p2.forward(x, training: true, on: engine), training: true, on: engine).data)
        XCTAssertEqual(r1.backward(p1.backward(dy, on: engine), on: engine).data, p2.backward(r2.backward(dy, on: engine), on: engine).data)
    }

    func testGlorotLimits() {
        var rng = SeededRNG(seed: 0)
        let d = Dense(name: "d", inFeatures: 100, outFeatures: 50, rng: &rng)
        let limit = Float((6.0 / 150).squareRoot())
        XCTAssert(d.weight.value.allSatisfy { abs($0) <= limit })
        XCTAssertGreaterThan(d.weight.value.map(abs).max()!, limit * 0.95)
        XCTAssert(d.bias.value.allSatisfy { $0 == 0 })
    }
}

final class NNTrainingTests: XCTestCase {
    static let config = ModelConfig(inputHeight: 16, inputWidth: 12, filters: [4, 8], dropout: 0.2, denseUnits: 16, classes: 3)

    /// Three classes of images that differ in where their energy sits.
    static func toyData(count: Int, seed: UInt64) -> Dataset {
        var rng = SeededRNG(seed: seed)
        var x: [Float] = [], labels: [Int] = []
        for i in 0..<count {
            let c = i % 3
            labels.append(c)
            for r in 0..<16 { for col in 0..<12 {
                let band = r / 6 == c ? 1.0 : 0.0
                x.append(Float(band + 0.3 * rng.normal()))
            } }
        }
        return Dataset(x: x, labels: labels, height: 16, width: 12)
    }

    func testOverfitsTinySetToFullAccuracy() throws {
        let data = Self.toyData(count: 24, seed: 1)
        var cfg = Self.config
        cfg.spec.dropout = 0
        let model = Trainer.initialModel(config: cfg, seed: 3)
        let result = try Trainer(model: model, config: TrainConfig(epochs: 40, batchSize: 8, learningRate: 3e-3, patience: nil),
                                 context: engine)
            .fit(train: data, validation: data)
        XCTAssertEqual(result.history.last!.trainAccuracy, 1)
        XCTAssertLessThan(result.history.last!.trainLoss, 0.1)
        XCTAssertEqual(result.history.last!.validationAUC!, 1, accuracy: 1e-12)
    }

    private func train(threads: Int, kernels: KernelPath = engine.kernels, epochs: Int = 3,
                       checkpoint: (TrainingState) throws -> Void = { _ in },
                       stopAfterBatches: Int? = nil) throws -> (Model, TrainResult) {
        let model = Trainer.initialModel(config: Self.config, seed: 7)
        var batches = 0
        let result = try Trainer(model: model, config: TrainConfig(epochs: epochs, batchSize: 8, seed: 9),
                                 context: ExecutionContext(threads: threads, kernels: kernels))
            .fit(train: Self.toyData(count: 40, seed: 2), validation: Self.toyData(count: 12, seed: 3),
                 checkpoint: checkpoint, shouldStop: { batches += 1; return stopAfterBatches.map { batches > $0 } ?? false })
        return (model, result)
    }

    private func deterministic(_ h: [EpochRecord]) -> [[Double?]] {
        h.map { [Double($0.epoch), $0.trainLoss, $0.trainAccuracy, $0.validationLoss, $0.validationAccuracy, $0.validationAUC,
                 $0.learningRate] }
    }

    func testBitIdenticalWithOneOrTwoThreads() throws {
        let (m1, r1) = try train(threads: 1)
        let (m2, r2) = try train(threads: 2)
        XCTAssertEqual(m1.state.map(\.value), m2.state.map(\.value))
        XCTAssertEqual(deterministic(r1.history), deterministic(r2.history))
        let (m3, _) = try train(threads: 2)
        XCTAssertEqual(m2.state.map(\.value), m3.state.map(\.value))
    }

    /// Any thread count, and every kernel path this CPU has, give the same bits: the work split is
    /// fixed by the data's shape, and a wider register only computes more elements at once.
    /// (Three and five threads oversubscribe a two-core machine, which is fine for a bits test.)
    func testBitIdenticalForEveryThreadCountAndKernelPath() throws {
        let (reference, referenceResult) = try train(threads: 1, kernels: .avx2, epochs: 2)
        // Without AVX-512 every other leg runs, and the test ends skipped, saying which leg did not.
        for path in [KernelPath.avx2, .avx512] where path == .avx2 || KernelPath.cpuHasAVX512 {
            for threads in [1, 2, 3, 5] {
                let (m, r) = try train(threads: threads, kernels: path, epochs: 2)
                XCTAssertEqual(m.state.map(\.value), reference.state.map(\.value), "\(path), \(threads) threads")
                XCTAssertEqual(deterministic(r.history), deterministic(referenceResult.history), "\(path), \(threads) threads")
                let x = Self.toyData(count: 12, seed: 4).x
                let p = m.predict(x, count: 12, batchSize: 2, on: ExecutionContext(threads: threads, kernels: path))
                let q = reference.predict(x, count: 12, batchSize: 5, on: ExecutionContext(threads: 1, kernels: .avx2))
                XCTAssertEqual(p, q, "\(path), \(threads) threads")
            }
        }
        try XCTSkipUnless(KernelPath.cpuHasAVX512, "no AVX-512 on this CPU: every leg ran but the avx512 one")
    }

    /// Training on two-channel input is the same bits with one or two threads, and learns.
    func testMultiChannelTrainingBitIdenticalWithOneOrTwoThreads() throws {
        func twoChannels(_ d: Dataset) -> Dataset {
            let hw = d.height * d.width
            var x: [Float] = []
            for n in 0..<d.count {
                let sample = d.x[(n * hw)..<((n + 1) * hw)]
                x += sample
                x += sample.reversed()
            }
            return Dataset(x: x, labels: d.labels, channels: 2, height: d.height, width: d.width)
        }
        var config = Self.config
        config.input.channels = 2
        func run(threads: Int) throws -> (Model, TrainResult) {
            let model = Trainer.initialModel(config: config, seed: 7)
            let result = try Trainer(model: model, config: TrainConfig(epochs: 6, batchSize: 8, learningRate: 3e-3, seed: 9),
                                     context: engine.with(threads: threads))
                .fit(train: twoChannels(Self.toyData(count: 40, seed: 2)), validation: twoChannels(Self.toyData(count: 12, seed: 3)))
            return (model, result)
        }
        let (m1, r1) = try run(threads: 1), (m2, r2) = try run(threads: 2)
        XCTAssertEqual(m1.state.map(\.value), m2.state.map(\.value))
        XCTAssertEqual(deterministic(r1.history), deterministic(r2.history))
        XCTAssertGreaterThan(r2.history.last!.validationAccuracy, 0.6) // chance is 1/3
    }

    func testResumeFromCheckpointIsBitIdentical() throws {
        let dir = try makeTempDir(self)
        let path = dir.appendingPathComponent("checkpoint.safetensors").path
        let (full, fullResult) = try train(threads: 2, epochs: 4)

        // Interrupted during epoch 3 (5 batches per epoch): the checkpoint holds epoch 2.
        let names = Trainer.initialModel(config: Self.config, seed: 0) // names and shapes only
        let (_, stoppedResult) = try train(threads: 2, epochs: 4, checkpoint: { state in
            try Checkpoint.save(state, model: names, to: path)
        }, stopAfterBatches: 12)
        XCTAssertTrue(stoppedResult.interrupted)
        XCTAssertEqual(stoppedResult.history.count, 2)

        let model = Trainer.initialModel(config: Self.config, seed: 7)
        let state = try Checkpoint.load(path: path, model: model)
        XCTAssertEqual(state.epoch, 2)
        let resumed = try Trainer(model: model, config: TrainConfig(epochs: 4, batchSize: 8, seed: 9), context: engine, resumingFrom: state)
            .fit(train: Self.toyData(count: 40, seed: 2), validation: Self.toyData(count: 12, seed: 3))
        XCTAssertEqual(model.state.map(\.value), full.state.map(\.value))
        XCTAssertEqual(deterministic(resumed.history), deterministic(fullResult.history))
    }

    func testSafetensorsLayout() throws {
        let dir = try makeTempDir(self)
        let path = dir.appendingPathComponent("w.safetensors").path
        let model = Trainer.initialModel(config: Self.config, seed: 1)
        try Checkpoint.saveWeights(model, to: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let n = bytes.prefix(8).withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        let header = try JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<(8 + n))) as! [String: Any]
        // PyTorch's layout: nn.Sequential indices (a block is Conv2d, MaxPool2d, ReLU), kernels
        // (out, in, kh, kw), Linear weights (out, in).
        func shape(_ name: String) -> [Int]? { (header[name] as? [String: Any])?["shape"] as? [Int] }
        XCTAssertEqual((header["0.weight"] as? [String: Any])?["dtype"] as? String, "F32")
        XCTAssertEqual(shape("0.weight"), [4, 1, 3, 3])
        XCTAssertEqual(shape("3.weight"), [8, 4, 3, 3])
        XCTAssertEqual(shape("8.weight"), [16, 8 * 4 * 3])
        XCTAssertEqual(shape("11.weight"), [3, 16])
        XCTAssertEqual(shape("11.bias"), [3])
        let meta = header["__metadata__"] as! [String: String]
        XCTAssertEqual(meta["pytorch"], "Sequential(Conv2d(1, 4, 3, padding=1), MaxPool2d(2), ReLU(), Conv2d(4, 8, 3, padding=1), "
                       + "MaxPool2d(2), ReLU(), Flatten(), Dropout(0.2), Linear(96, 16), ReLU(), Dropout(0.2), Linear(16, 3))")
        // The Linear weight is ours transposed: element (out o, in i) is ours at (i, o).
        let dense1 = model.layers.compactMap { $0 as? Dense }[0]
        let stored = try Checkpoint.read(path).floats["8.weight"]!
        for (o, i) in [(0, 0), (3, 17), (15, 95)] { XCTAssertEqual(stored[o * 96 + i], dense1.weight.value[i * 16 + o]) }
        let total = model.state.reduce(0) { $0 + $1.value.count * 4 }
        XCTAssertEqual(bytes.count, 8 + n + total)
        let other = Trainer.initialModel(config: Self.config, seed: 2)
        try Checkpoint.loadWeights(into: other, path: path)
        XCTAssertEqual(other.state.map(\.value), model.state.map(\.value))
        // A truncated file is an error, not garbage.
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try Checkpoint.loadWeights(into: other, path: path))
    }

    /// With BatchNorm each layer is its own module: conv, ReLU, BatchNorm2d (weight, bias, running
    /// mean and variance), pool; the round trip restores every buffer.
    func testSafetensorsLayoutWithBatchNorm() throws {
        var cfg = Self.config
        cfg.spec.batchNorm = true
        let path = try makeTempDir(self).appendingPathComponent("bn.safetensors").path
        let model = Trainer.initialModel(config: cfg, seed: 1)
        let bn = model.layers.compactMap { $0 as? BatchNorm }[0]
        bn.runningMean.value = [0.5, -1, 2, 0.25]
        try Checkpoint.saveWeights(model, to: path)
        let names = Set(try Checkpoint.read(path).floats.keys)
        XCTAssertEqual(names, ["0.weight", "0.bias", "2.weight", "2.bias", "2.running_mean", "2.running_var",
                               "4.weight", "4.bias", "6.weight", "6.bias", "6.running_mean", "6.running_var",
                               "10.weight", "10.bias", "13.weight", "13.bias"])
        let other = Trainer.initialModel(config: cfg, seed: 2)
        try Checkpoint.loadWeights(into: other, path: path)
        XCTAssertEqual(other.state.map(\.value), model.state.map(\.value))
        // PyTorch's momentum is 1 - ours, written plainly.
        XCTAssertTrue(model.pytorchSequential.contains("BatchNorm2d(4, eps=0.001, momentum=0.1)"), model.pytorchSequential)
    }

    /// A ResNet with the modern head saves under nested PyTorch names and loads back whole, buffers
    /// included; the predictions are the same bits.
    func testSafetensorsRoundTripForResNet() throws {
        var cfg = Self.config
        cfg.spec.kind = .shortChunkResNet
        cfg.spec.head = .avgmax
        let path = try makeTempDir(self).appendingPathComponent("res.safetensors").path
        let model = Trainer.initialModel(config: cfg, seed: 1)
        _ = try Trainer(model: model, config: TrainConfig(epochs: 1, batchSize: 8, seed: 2), context: engine)
            .fit(train: Self.toyData(count: 16, seed: 2), validation: Self.toyData(count: 6, seed: 3))
        try Checkpoint.saveWeights(model, to: path)
        let names = Set(try Checkpoint.read(path).floats.keys)
        XCTAssert(names.isSuperset(of: ["0.conv1.weight", "0.bn1.running_var", "0.conv2.bias", "0.shortcut.0.weight", "0.shortcut.1.weight",
                                        "1.bn2.weight", "1.shortcut.1.running_mean", "4.weight", "7.bias"]), "\(names.sorted())")
        XCTAssertEqual(names.count, model.state.count)
        let other = Trainer.initialModel(config: cfg, seed: 9)
        try Checkpoint.loadWeights(into: other, path: path)
        XCTAssertEqual(other.state.map(\.value), model.state.map(\.value))
        let x = Self.toyData(count: 5, seed: 4).x
        XCTAssertEqual(other.predict(x, count: 5, on: engine), model.predict(x, count: 5, on: engine))
        XCTAssert(model.pytorchSequential.contains("ResidualBlock(1, 4, projection=True"), model.pytorchSequential)
        XCTAssert(model.pytorchSequential.contains("TimePool('avgmax')"), model.pytorchSequential)
    }
}
