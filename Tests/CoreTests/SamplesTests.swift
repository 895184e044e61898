import XCTest
@testable import Core

/// Samples streamed from a file are the samples held in memory: batches, predictions and whole
/// training runs have the same bits either way.
final class SamplesTests: XCTestCase {
    private func streamed(_ d: Dataset) throws -> Dataset {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lab-samples-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = try SampleFile(directory: dir)
        let size = d.channels * d.height * d.width
        // Appended in uneven pieces, as clips of different lengths are.
        var x = d.x[...], pieces = 0
        while !x.isEmpty {
            let n = min(x.count, size * (1 + pieces % 3))
            try file.append(Array(x.prefix(n)))
            x = x.dropFirst(n)
            pieces += 1
        }
        // Unlinked at once: nothing is left in the directory while it is in use.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
        return Dataset(samples: Samples(file: file, sampleSize: size), labels: d.labels, channels: d.channels, height: d.height,
                       width: d.width)
    }

    private func twoChannels(_ d: Dataset) -> Dataset {
        let hw = d.height * d.width, x = d.x
        var y: [Float] = []
        for n in 0..<d.count { let s = x[(n * hw)..<((n + 1) * hw)]; y += s; y += s.reversed() }
        return Dataset(x: y, labels: d.labels, channels: 2, height: d.height, width: d.width)
    }

    func testGatherReadsTheSameBatchFromFileAndMemory() throws {
        for memory in [NNTrainingTests.toyData(count: 11, seed: 4), twoChannels(NNTrainingTests.toyData(count: 11, seed: 5))] {
            let file = try streamed(memory)
            XCTAssertTrue(file.samples.isStreamed)
            XCTAssertFalse(memory.samples.isStreamed)
            XCTAssertEqual(file.x, memory.x)
            var rng = SeededRNG(seed: 8)
            for n in [1, 3, 11] {
                var order = Array(0..<11)
                rng.shuffle(&order)
                let a = Tensor(shape: [memory.channels, n, memory.height, memory.width]), b = Tensor(shape: a.shape)
                memory.samples.gather(order.prefix(n), channels: memory.channels, into: a)
                file.samples.gather(order.prefix(n), channels: memory.channels, into: b)
                XCTAssertEqual(a.data, b.data)
                // Sample order[i]'s channel c sits at row c * n + i.
                let hw = memory.height * memory.width, c = memory.channels - 1, i = n - 1
                XCTAssertEqual(Array(a.data[((c * n + i) * hw)..<((c * n + i + 1) * hw)]),
                               Array(memory.x[((order[i] * memory.channels + c) * hw)..<((order[i] * memory.channels + c + 1) * hw)]))
            }
        }
    }

    func testTrainingAndPredictionHaveTheSameBitsStreamed() throws {
        let train = NNTrainingTests.toyData(count: 30, seed: 6), validation = NNTrainingTests.toyData(count: 9, seed: 7)
        func run(_ t: Dataset, _ v: Dataset) throws -> (TrainResult, [Float], [Float]) {
            let model = Trainer.initialModel(config: NNTrainingTests.config, seed: 3)
            let r = try Trainer(model: model, config: TrainConfig(epochs: 3, batchSize: 8, learningRate: 3e-3, patience: nil, seed: 5),
                                context: engine)
                .fit(train: t, validation: v)
            return (r, model.predict(v.samples, batchSize: 4, on: engine), model.state.flatMap(\.value))
        }
        let (a, pa, wa) = try run(train, validation)
        let (b, pb, wb) = try run(try streamed(train), try streamed(validation))
        func numbers(_ r: TrainResult) -> [Double] { r.history.flatMap { [$0.trainLoss, $0.trainAccuracy, $0.validationLoss,
                                                                          $0.validationAccuracy] } }
        XCTAssertEqual(numbers(a), numbers(b))
        XCTAssertEqual(pa, pb)
        XCTAssertEqual(wa, wb)
    }

    func testStandardiseAppliesTheSameFunctionInPlace() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lab-samples-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = try SampleFile(directory: dir)
        var rng = SeededRNG(seed: 1)
        let values = (0..<(70_000)).map { _ in Float(rng.normal() * 3 + 2) } // more than one chunk
        try file.append(values)
        let s = Standardisation(mean: 2.1, std: 2.9)
        try file.standardise(with: s)
        var expected = values
        s.apply(&expected)
        XCTAssertEqual(Samples(file: file, sampleSize: 7).values, expected)
    }
}
