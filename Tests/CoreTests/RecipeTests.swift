import XCTest
@testable import Core

/// The training recipe beyond the study: SpecAugment masks, mixup, AdamW's decay, learning-rate
/// schedules and the choice of clip aggregation.
final class RecipeTests: XCTestCase {
    private func batch(c: Int = 2, n: Int = 6, h: Int = 10, w: Int = 12) -> Tensor {
        Tensor(shape: [c, n, h, w], data: (0..<(c * n * h * w)).map { Float($0 % 97) + 1 }) // no zeros before masking
    }

    func testSpecMasksStayInsideTheirBoundsAndAreSeeded() {
        let mask = SpecMask(timeWidth: 4, timeCount: 2, freqWidth: 3, freqCount: 2)
        var sawMask = false
        for seed: UInt64 in 1...20 {
            let x = batch()
            var rng = SeededRNG(seed: seed)
            mask.apply(to: x, rng: &rng)
            for ch in 0..<2 {
                for i in 0..<6 {
                    let plane = Array(x.data[((ch * 6 + i) * 120)..<((ch * 6 + i + 1) * 120)])
                    // A zero is only ever part of a whole masked row or a whole masked column.
                    let rows = (0..<10).filter { r in (0..<12).allSatisfy { plane[r * 12 + $0] == 0 } }
                    let cols = (0..<12).filter { c in (0..<10).allSatisfy { plane[$0 * 12 + c] == 0 } }
                    for r in 0..<10 { for c in 0..<12 where plane[r * 12 + c] == 0 { XCTAssert(rows.contains(r) || cols.contains(c)) } }
                    XCTAssertLessThanOrEqual(rows.count, 2 * 3, "at most count x max_width rows")
                    XCTAssertLessThanOrEqual(cols.count, 2 * 4, "at most count x max_width frames")
                    sawMask = sawMask || !rows.isEmpty || !cols.isEmpty
                    // Every channel of a sample is masked alike.
                    let other = Array(x.data[(((1 - ch) * 6 + i) * 120)..<(((1 - ch) * 6 + i + 1) * 120)])
                    XCTAssertEqual(plane.map { $0 == 0 }, other.map { $0 == 0 })
                }
            }
        }
        XCTAssert(sawMask)
        // Seeded: the same stream masks the same values; another stream, others.
        let (a, b, c) = (batch(), batch(), batch())
        var r1 = SeededRNG(seed: 5), r2 = SeededRNG(seed: 5), r3 = SeededRNG(seed: 6)
        mask.apply(to: a, rng: &r1); mask.apply(to: b, rng: &r2); mask.apply(to: c, rng: &r3)
        XCTAssertEqual(a.data, b.data)
        XCTAssertNotEqual(a.data, c.data)
    }

    func testAMaskWiderThanTheAxisIsClipped() {
        let x = batch(c: 1, n: 1, h: 3, w: 4)
        var rng = SeededRNG(seed: 1)
        for _ in 0..<50 { SpecMask(timeWidth: 100, timeCount: 1, freqWidth: 100, freqCount: 1).apply(to: x, rng: &rng) }
        XCTAssertEqual(x.data.count, 12) // no write outside the plane (the test would crash)
    }

    func testMixupTargetsSumToOneAndInputsAreTheSameBlend() {
        for alpha in [0.2, 0.4, 1.0, 2.0] {
            let x = batch(c: 2, n: 8, h: 2, w: 3), original = x.data
            let labels = [0, 1, 2, 0, 1, 2, 0, 1]
            var rng = SeededRNG(seed: 3)
            let t = Mixup.apply(to: x, labels: labels[...], classes: 3, alpha: alpha, rng: &rng)
            for i in 0..<8 {
                let row = t.values[(i * 3)..<(i * 3 + 3)]
                XCTAssertEqual(Double(row.reduce(0, +)), 1, accuracy: 1e-6, "alpha \(alpha)")
                XCTAssert(row.allSatisfy { $0 >= 0 && $0 <= 1 })
                XCTAssertEqual(row.firstIndex(of: row.max()!), row.firstIndex { $0 >= 0.5 }, "the dominant label carries lambda >= 0.5")
                XCTAssertGreaterThanOrEqual(row[row.startIndex + t.dominant[i]], 0.5)
            }
            // Every value is the same blend of its sample and its partner, in every channel.
            XCTAssert(t.lambda > 0 && t.lambda < 1)
            XCTAssertEqual(t.partner.sorted(), Array(0..<8))
            let (l, m) = (Float(t.lambda), Float(1 - t.lambda))
            for ch in 0..<2 {
                for i in 0..<8 {
                    for j in 0..<6 {
                        XCTAssertEqual(x.data[(ch * 8 + i) * 6 + j],
                                       l * original[(ch * 8 + i) * 6 + j] + m * original[(ch * 8 + t.partner[i]) * 6 + j])
                    }
                }
                let row = t.values[0..<3]
                XCTAssertEqual(row[labels[0]] + (labels[t.partner[0]] == labels[0] ? 0 : row[labels[t.partner[0]]]),
                               l + (labels[t.partner[0]] == labels[0] ? m : m), accuracy: 1e-6)
            }
        }
    }

    func testBetaDrawsAreInsideTheUnitIntervalWithTheRightMean() {
        var rng = SeededRNG(seed: 11)
        for alpha in [0.2, 1.0, 3.0] {
            let draws = (0..<4000).map { _ in Mixup.beta(alpha, alpha, rng: &rng) }
            XCTAssert(draws.allSatisfy { $0 >= 0 && $0 <= 1 })
            let mean = draws.reduce(0, +) / 4000
            XCTAssertEqual(mean, 0.5, accuracy: 0.03, "Beta(a, a) has mean 1/2")
            // Var = 1 / (4 (2a + 1)): U-shaped for small alpha, peaked for large.
            let variance = draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 4000
            XCTAssertEqual(variance, 1 / (4 * (2 * alpha + 1)), accuracy: 0.1 / (4 * (2 * alpha + 1)) + 0.005, "alpha \(alpha)")
        }
    }

    func testSoftTargetLossMatchesOneHotAndFiniteDifferences() {
        let logits = Tensor(shape: [2, 3], data: [1, 2, 3, 0.5, -1, 2])
        var p1: [Float] = [], p2: [Float] = []
        let g1 = Tensor(shape: [2, 3]), g2 = Tensor(shape: [2, 3])
        let hard = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: [2, 0][...], probabilities: &p1, gradient: g1)
        let soft = SoftmaxCrossEntropy.lossAndGradient(logits: logits, targets: [0, 0, 1, 1, 0, 0], probabilities: &p2, gradient: g2)
        XCTAssertEqual(hard, soft, accuracy: 1e-6)
        XCTAssertEqual(p1, p2)
        for (a, b) in zip(g1.data, g2.data) { XCTAssertEqual(a, b, accuracy: 1e-7) }
        // A blended target: the gradient is (p - t) / N, checked by central differences.
        let targets: [Float] = [0.3, 0, 0.7, 0, 0.6, 0.4]
        var probs: [Float] = []
        let g = Tensor(shape: [2, 3])
        _ = SoftmaxCrossEntropy.lossAndGradient(logits: logits, targets: targets, probabilities: &probs, gradient: g)
        for j in 0..<6 {
            func loss(_ d: Float) -> Double {
                let z = Tensor(shape: [2, 3], data: logits.data); z.data[j] += d
                var p: [Float] = []
                return SoftmaxCrossEntropy.lossAndGradient(logits: z, targets: targets, probabilities: &p, gradient: Tensor(shape: [2,
                        3])) / 2
            }
            XCTAssertEqual((loss(1e-2) - loss(-1e-2)) / 2e-2, Double(g.data[j]), accuracy: 1e-4)
        }
    }

    func testSchedules() {
        let cosine = (1...4).map { LRSchedule.cosine.rate(epoch: $0, base: 0.01, epochs: 4) }
        XCTAssertEqual(cosine[0], 0.01)
        XCTAssertEqual(cosine[2], 0.005, accuracy: 1e-15) // halfway: cos(pi / 2) = 0
        XCTAssert(zip(cosine, cosine.dropFirst()).allSatisfy { $0 > $1 } && cosine[3] > 0)
        let step = (1...7).map { LRSchedule.step(every: 3, factor: 0.1).rate(epoch: $0, base: 1, epochs: 7) }
        XCTAssertEqual(step[0], 1); XCTAssertEqual(step[2], 1)
        XCTAssertEqual(step[3], 0.1, accuracy: 1e-15); XCTAssertEqual(step[6], 0.01, accuracy: 1e-15)
    }

    func testWeightDecayShrinksKernelsOnly() {
        // With a zero gradient Adam moves nothing, so only the decay acts: w (1 - lr x decay) on kernels.
        let kernel = Parameter(name: "k", shape: [2, 2], value: [1, -2, 4, 8]), bias = Parameter(name: "b", shape: [2], value: [1, 1])
        let optimizer = Optimizer(kind: .adam, learningRate: 0.1, momentum: 0, weightDecay: 0.5, parameters: [kernel, bias])
        optimizer.update([kernel, bias], on: engine)
        XCTAssertEqual(kernel.value, [0.95, -1.9, 3.8, 7.6])
        XCTAssertEqual(bias.value, [1, 1])
    }

    func testClipAggregates() {
        // One clip of two segments, two classes.
        let p = [0.9, 0.1, 0.3, 0.7], z = [2.0, 0.0, 0.0, 1.0]
        let mean = ClipAggregation.aggregate(.meanProbability, probabilities: p, logits: nil, classCount: 2, clipIDs: [0, 0])
        XCTAssertEqual(mean.probabilities[0], 0.6, accuracy: 1e-15)
        let logits = ClipAggregation.aggregate(.meanLogit, probabilities: p, logits: z, classCount: 2, clipIDs: [0, 0])
        XCTAssertEqual(logits.probabilities[0], 1 / (1 + exp(-0.5)), accuracy: 1e-15) // softmax of the mean logits (1, 0.5)
        let max = ClipAggregation.aggregate(.max, probabilities: p, logits: nil, classCount: 2, clipIDs: [0, 0])
        XCTAssertEqual(max.probabilities, [0.9 / 1.6, 0.7 / 1.6])
    }

    private static let config = ModelConfig(inputHeight: 16, inputWidth: 12, filters: [4, 8], batchNorm: true, dropout: 0.2,
                                            denseUnits: 16, classes: 3)

    private func recipeRun(on context: ExecutionContext, config: ModelConfig = RecipeTests.config, epochs: Int = 3,
                           scheduleEpochs: Int? = nil,
                           stopAfterBatches: Int? = nil,
                           checkpoint: (TrainingState) throws -> Void = { _ in },
                           resume: TrainingState? = nil) throws -> (Model, TrainResult) {
        var t = TrainConfig(epochs: epochs, batchSize: 8, learningRate: 3e-3, patience: nil, seed: 9)
        t.specMask = SpecMask(timeWidth: 3, timeCount: 1, freqWidth: 4, freqCount: 2)
        t.mixup = 0.4
        t.weightDecay = 1e-2
        t.schedule = .cosine
        t.scheduleEpochs = scheduleEpochs
        let model = Trainer.initialModel(config: config, seed: 7)
        let trainer = try resume.map { try Trainer(model: model, config: t, context: context, resumingFrom: $0) }
            ?? Trainer(model: model, config: t, context: context)
        var batches = 0
        let result = try trainer.fit(train: NNTrainingTests.toyData(count: 40, seed: 2), validation: NNTrainingTests.toyData(count: 12,
                seed: 3),
                                     checkpoint: checkpoint,
                                             shouldStop: { batches += 1; return stopAfterBatches.map { batches > $0 } ?? false })
        return (model, result)
    }

    /// The whole recipe, on the CNN with the modern head and on the ResNet: the same bits on 1, 2
    /// and 3 threads, on the AVX2 and (where the CPU has it) the AVX-512 kernels, and a run stopped
    /// mid-epoch and resumed ends the same as one that never stopped.
    func testRecipeTrainingIsBitIdenticalAcrossThreadsAndResume() throws {
        var modern = Self.config
        modern.spec.head = .avgmax
        var resnet = Self.config
        resnet.spec.kind = .shortChunkResNet
        resnet.spec.batchNorm = false
        for config in [modern, resnet] {
            let (m1, r1) = try recipeRun(on: ExecutionContext(threads: 1, kernels: .avx2), config: config)
            // Without AVX-512 every other leg runs, and the test ends skipped, saying which leg did not.
            for path in [KernelPath.avx2, .avx512] where path == .avx2 || KernelPath.cpuHasAVX512 {
                for threads in [1, 2, 3] where !(path == .avx2 && threads == 1) {
                    let (m, r) = try recipeRun(on: ExecutionContext(threads: threads, kernels: path), config: config)
                    XCTAssertEqual(m.state.map(\.value), m1.state.map(\.value), "\(config.spec), \(path), \(threads) threads")
                    XCTAssertEqual(r.history.map(\.trainLoss), r1.history.map(\.trainLoss))
                }
            }
            XCTAssertEqual(r1.history.map(\.learningRate), (1...3).map { LRSchedule.cosine.rate(epoch: $0, base: 3e-3, epochs: 3) })
            var saved: TrainingState?
            let (_, stopped) = try recipeRun(on: engine, config: config, stopAfterBatches: 7, checkpoint: { saved = $0 })
            XCTAssertTrue(stopped.interrupted)
            let (resumed, history) = try recipeRun(on: engine, config: config, resume: try XCTUnwrap(saved))
            XCTAssertEqual(resumed.state.map(\.value), m1.state.map(\.value))
            XCTAssertEqual(history.history.map(\.validationLoss), r1.history.map(\.validationLoss))
        }
        try XCTSkipUnless(KernelPath.cpuHasAVX512, "no AVX-512 on this CPU: every leg ran but the avx512 one")
    }

    /// A search trains a trial rung by rung (`epochs` 2, then on to 4) with the schedule spanning the
    /// last rung: the learning rates and weights are those of training 4 epochs straight through.
    func testAScheduleSpansTheLastRungWhenTrainedRungByRung() throws {
        let (straight, straightRun) = try recipeRun(on: engine, epochs: 4)
        var saved: TrainingState?
        let (_, rung1) = try recipeRun(on: engine, epochs: 2, scheduleEpochs: 4, checkpoint: { saved = $0 })
        let (resumed, rung2) = try recipeRun(on: engine, epochs: 4, scheduleEpochs: 4, resume: try XCTUnwrap(saved))
        XCTAssertEqual((rung1.history + rung2.history.suffix(2)).map(\.learningRate), straightRun.history.map(\.learningRate))
        XCTAssertGreaterThan(rung2.history.last!.learningRate, 0) // without scheduleEpochs, epoch 3 would run at a rate of 0
        XCTAssertTrue(resumed.state.map(\.value) == straight.state.map(\.value), "the weights differ from training straight through")
    }

    /// Each recipe key changes the run (a key that changed nothing would be a stub), and the recipe learns.
    func testEachRecipeKeyChangesTraining() throws {
        func run(_ edit: (inout TrainConfig) -> Void) throws -> [Float] {
            var t = TrainConfig(epochs: 2, batchSize: 8, learningRate: 3e-3, patience: nil, seed: 9)
            edit(&t)
            let model = Trainer.initialModel(config: Self.config, seed: 7)
            _ = try Trainer(model: model, config: t, context: engine).fit(train: NNTrainingTests.toyData(count: 40, seed: 2),
                                                         validation: NNTrainingTests.toyData(count: 12, seed: 3))
            return model.state.flatMap(\.value)
        }
        let plain = try run { _ in }
        XCTAssertNotEqual(try run { $0.specMask = SpecMask(timeWidth: 3, timeCount: 1) }, plain)
        XCTAssertNotEqual(try run { $0.mixup = 0.4 }, plain)
        XCTAssertNotEqual(try run { $0.weightDecay = 1e-2 }, plain)
        XCTAssertNotEqual(try run { $0.schedule = .step(every: 1, factor: 0.5) }, plain)
        XCTAssertEqual(try run { _ in }, plain)
        let (_, learned) = try recipeRun(on: engine, epochs: 8)
        XCTAssertGreaterThan(learned.history.last!.validationAccuracy, 0.6) // chance is 1/3
    }
}
