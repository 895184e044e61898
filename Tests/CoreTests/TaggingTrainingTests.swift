import Foundation
import XCTest
@testable import Core

/// Training with several tags per sample (sigmoid outputs, binary cross-entropy): it learns, and
/// it is the same bits on 1, 2 and 3 threads, on every kernel path, and after a resume.
final class TaggingTrainingTests: XCTestCase {
    static let config = ModelConfig(inputHeight: 16, inputWidth: 12, filters: [4, 8], dropout: 0.2, denseUnits: 16, classes: 3)

    /// Each of three bands carries energy when its tag is on; a sample has any subset of the tags.
    static func toyTags(count: Int, seed: UInt64) -> Dataset {
        var rng = SeededRNG(seed: seed)
        var x: [Float] = [], tags: [Bool] = []
        for _ in 0..<count {
            var on = (0..<3).map { _ in rng.int(below: 2) == 1 }
            if !on.contains(true) { on[rng.int(below: 3)] = true } // every sample has a tag
            tags += on
            for r in 0..<16 { for _ in 0..<12 { x.append(Float((r / 6 < 3 && on[min(r / 6, 2)] ? 1.0 : 0.0) + 0.3 * rng.normal())) } }
        }
        return Dataset(samples: Samples(x, sampleSize: 16 * 12), tags: tags, tagCount: 3, height: 16, width: 12)
    }

    private func train(on context: ExecutionContext, epochs: Int = 3, stopAfterBatches: Int? = nil,
                       checkpoint: (TrainingState) throws -> Void = { _ in },
                       resume: TrainingState? = nil) throws -> (Model, TrainResult) {
        let model = Trainer.initialModel(config: Self.config, seed: 7)
        var t = TrainConfig(epochs: epochs, batchSize: 8, learningRate: 3e-3, patience: nil, seed: 9)
        t.specMask = SpecMask(timeWidth: 2, timeCount: 1, freqWidth: 2, freqCount: 1)
        let trainer = try resume.map { try Trainer(model: model, config: t, context: context, resumingFrom: $0) }
            ?? Trainer(model: model, config: t, context: context)
        var batches = 0
        let result = try trainer.fit(train: Self.toyTags(count: 40, seed: 2), validation: Self.toyTags(count: 24, seed: 3),
                                     checkpoint: checkpoint,
                                     shouldStop: { batches += 1; return stopAfterBatches.map { batches > $0 } ?? false })
        return (model, result)
    }

    func testLearnsSeveralTagsPerSample() throws {
        let (_, r) = try train(on: engine, epochs: 12)
        let last = try XCTUnwrap(r.history.last)
        XCTAssertLessThan(last.validationLoss, r.history[0].validationLoss)
        XCTAssertGreaterThan(try XCTUnwrap(last.validationAUC), 0.9, "macro ROC-AUC over the three tags")
        XCTAssertGreaterThan(last.validationAccuracy, 0.8, "share of tags right at 0.5")
    }

    func testBitIdenticalAcrossThreadsKernelsAndResume() throws {
        let (reference, referenceRun) = try train(on: ExecutionContext(threads: 1, kernels: .avx2))
        for path in [KernelPath.avx2, .avx512] where path == .avx2 || KernelPath.cpuHasAVX512 {
            for threads in [1, 2, 3] where !(path == .avx2 && threads == 1) {
                let (m, r) = try train(on: ExecutionContext(threads: threads, kernels: path))
                XCTAssertEqual(m.state.map(\.value), reference.state.map(\.value), "\(path), \(threads) threads")
                XCTAssertEqual(r.history.map(\.validationLoss), referenceRun.history.map(\.validationLoss))
            }
        }
        var saved: TrainingState?
        let (_, stopped) = try train(on: engine, stopAfterBatches: 8, checkpoint: { saved = $0 })
        XCTAssertTrue(stopped.interrupted)
        let (resumed, history) = try train(on: engine, resume: try XCTUnwrap(saved))
        XCTAssertEqual(resumed.state.map(\.value), reference.state.map(\.value))
        XCTAssertEqual(history.history.map(\.withoutWallTime), referenceRun.history.map(\.withoutWallTime))
        try XCTSkipUnless(KernelPath.cpuHasAVX512, "no AVX-512 on this CPU: every leg ran but the avx512 one")
    }
}
