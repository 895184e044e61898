import Core
import Foundation

/// `lab bench train`: cNN training and inference speed on the reference architecture.
struct TrainBenchmark {
    let input: String
    let samples: Int
    let epochs: Int
    let threads: Int
    let profile: Bool
    let inferenceOnly: Bool
    let inferenceBatch: Int
    let inferenceRepeats: Int

    func run() throws {
        let context = try ExecutionContext.fromEnvironment(threads: threads)
        let dims = input.split(separator: "x").compactMap { Int($0) }
        let config = ModelConfig(inputChannels: dims[0], inputHeight: dims[1])
        var rng = SeededRNG(seed: 0)
        let c = config.input.channels, hw = c * config.inputHeight * config.inputWidth // values per sample
        let x = (0..<(samples * hw)).map { _ in Float(rng.normal()) }
        let labels = (0..<samples).map { _ in rng.int(below: config.classes) }
        let data = Dataset(x: x, labels: labels, channels: c, height: config.inputHeight, width: config.inputWidth)
        let tiny = Dataset(x: Array(x.prefix(32 * hw)), labels: Array(labels.prefix(32)), channels: c, height: config.inputHeight,
                           width: config.inputWidth)
        let model = Trainer.initialModel(config: config, seed: 1)
        print("kernels: \(context.kernels.description)")
        print("model: \(model.parameterCount) parameters, \(String(format: "%.0f", config.forwardFLOPs / 1e6)) MFLOP forward per sample")

        // Warm-up: one short epoch plans every buffer.
        let warm = Dataset(x: Array(x.prefix(256 * hw)), labels: Array(labels.prefix(256)), channels: c, height: config.inputHeight,
                           width: config.inputWidth)
        _ = try Trainer(model: model, config: TrainConfig(epochs: 1, patience: nil), context: context).fit(train: warm, validation: tiny)

        let trainer = Trainer(model: model, config: TrainConfig(epochs: epochs, patience: nil), context: context)
        if profile && !inferenceOnly { model.profile = LayerProfile(names: model.layers.map(\.name)) }
        let t0 = Date()
        if !inferenceOnly { _ = try trainer.fit(train: data, validation: tiny) }
        let trainSeconds = Date().timeIntervalSince(t0)
        if let p = model.profile {
            model.profile = nil
            print("layer            forward ms/batch  backward ms/batch")
            let batches = Double(epochs * ((samples + 31) / 32 + 1)) // + the validation batch
            for (i, name) in p.names.enumerated() {
                print(name.padding(toLength: 16, withPad: " ", startingAt: 0)
                      + String(format: " %16.2f  %17.2f", 1000 * p.forward[i] / batches,
                               1000 * p.backward[i] / Double(epochs * ((samples + 31) / 32))))
            }
            let other = trainSeconds - p.forward.reduce(0, +) - p.backward.reduce(0, +)
            print(String(format: "outside layers (loss, optimiser, batching): %.1f ms/batch",
                         1000 * other / Double(epochs * ((samples + 31) / 32))))
        }
        let trainRate = Double(samples * epochs) / trainSeconds

        // Inference: one untimed pass, then the median of `inferenceRepeats` timed passes (one pass
        // is about a second, short enough for a neighbour's burst to move it by a third).
        _ = model.predict(x, count: samples, batchSize: inferenceBatch, on: context)
        let passes = (0..<inferenceRepeats).map { _ -> Double in
            let t1 = Date()
            _ = model.predict(x, count: samples, batchSize: inferenceBatch, on: context)
            return Double(samples) / Date().timeIntervalSince(t1)
        }.sorted()
        let inferRate = passes[passes.count / 2]
        if profile { // one more pass, per layer (on one model: a profiled predict does not use the replica)
            model.profile = LayerProfile(names: model.layers.map(\.name))
            let t2 = Date()
            _ = model.predict(x, count: samples, batchSize: inferenceBatch, on: context)
            let seconds = Date().timeIntervalSince(t2), p = model.profile!
            model.profile = nil
            let batches = Double((samples + inferenceBatch - 1) / inferenceBatch)
            print("inference layer  forward ms/batch")
            for (i, name) in p.names.enumerated() {
                print(name.padding(toLength: 16, withPad: " ", startingAt: 0) + String(format: " %16.2f", 1000 * p.forward[i] / batches))
            }
            print(String(format: "outside layers (batching, softmax): %.2f ms/batch", 1000 * (seconds - p.forward.reduce(0, +)) / batches))
        }

        let peak = GEMMProbe.peakGFLOPS(on: context)
        func line(_ name: String, _ rate: Double, effective: Double, executed: Double) -> String {
            String(format: "%@ %6.0f samples/s  %6.1f GFLOP/s executed (%3.0f%% of GEMM peak)  %6.1f effective",
                   name, rate, rate * executed / 1e9, 100 * rate * executed / 1e9 / peak, rate * effective / 1e9)
        }
        if !inferenceOnly { print(line("training: ", trainRate, effective: config.trainingFLOPs, executed: config.executedTrainingFLOPs)) }
        print(line("inference:", inferRate, effective: config.forwardFLOPs, executed: config.executedForwardFLOPs))
        print(String(format: "(executed: Winograd's real products, %.0f MFLOP forward per sample; effective: counted as direct "
                     + "convolution, %.0f MFLOP)", config.executedForwardFLOPs / 1e6, config.forwardFLOPs / 1e6))
        print(String(format: "GEMM peak (our %@ kernel, cache-resident 48x128x128 products on each of %d threads): %.1f GFLOP/s",
                     context.kernels.rawValue, threads, peak))
        print(String(format: "peak memory (max RSS): %.0f MiB", peakResidentMiB()))
    }
}

func peakResidentMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}
