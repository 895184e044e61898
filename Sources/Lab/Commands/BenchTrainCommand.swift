import ArgumentParser
import Core
import Foundation

struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "CNN training and inference speed on the reference architecture.",
        discussion: """
        Reference architecture: input 1x128x86 (128 mels x 2 s), conv 3x3 same 32/64/128 with 2x2
        max-pool, dense 64, dropout 0.3, 10 classes, batch 32, Adam. Prints training and inference
        samples/s, effective GFLOP/s (direct-convolution FLOP count), the share of this machine's SGEMM peak (measured in the same run)
        and peak memory. The Keras peer is shared/reference/keras_speed.py.
        Examples:
          lab bench train
          lab bench train --samples 2048 --threads 1
          lab bench train --profile     # adds a per-layer time table
        """
    )

    @Option(help: "Training samples per timed epoch.") var samples = 1024
    @Option(help: "Timed training epochs.") var epochs = 2
    @Option(help: "Threads (OpenBLAS and element-wise work).") var threads = 2
    @Flag(help: "Print the time spent in each layer, forward and backward, during the timed training.") var profile = false

    func run() throws {
        Parallelism.setThreads(threads)
        let config = ModelConfig()
        var rng = SeededRNG(seed: 0)
        let hw = config.inputHeight * config.inputWidth
        let x = (0..<(samples * hw)).map { _ in Float(rng.normal()) }
        let labels = (0..<samples).map { _ in rng.int(below: config.classes) }
        let data = Dataset(x: x, labels: labels, height: config.inputHeight, width: config.inputWidth)
        let tiny = Dataset(x: Array(x.prefix(32 * hw)), labels: Array(labels.prefix(32)), height: config.inputHeight, width: config.inputWidth)
        let model = Trainer.initialModel(config: config, seed: 1)
        print("model: \(model.parameterCount) parameters, \(String(format: "%.0f", config.forwardFLOPs / 1e6)) MFLOP forward per sample")

        // Warm-up: one short epoch plans every buffer.
        let warm = Dataset(x: Array(x.prefix(256 * hw)), labels: Array(labels.prefix(256)), height: config.inputHeight, width: config.inputWidth)
        _ = try Trainer(model: model, config: TrainConfig(epochs: 1, patience: nil)).fit(train: warm, validation: tiny)

        let trainer = Trainer(model: model, config: TrainConfig(epochs: epochs, patience: nil))
        if profile { model.profile = LayerProfile(names: model.layers.map(\.name)) }
        let t0 = Date()
        _ = try trainer.fit(train: data, validation: tiny)
        let trainSeconds = Date().timeIntervalSince(t0)
        if let p = model.profile {
            model.profile = nil
            print("layer            forward ms/batch  backward ms/batch")
            let batches = Double(epochs * ((samples + 31) / 32 + 1)) // + the validation batch
            for (i, name) in p.names.enumerated() {
                print(name.padding(toLength: 16, withPad: " ", startingAt: 0)
                      + String(format: " %16.2f  %17.2f", 1000 * p.forward[i] / batches, 1000 * p.backward[i] / Double(epochs * ((samples + 31) / 32))))
            }
            let other = trainSeconds - p.forward.reduce(0, +) - p.backward.reduce(0, +)
            print(String(format: "outside layers (loss, optimiser, batching): %.1f ms/batch", 1000 * other / Double(epochs * ((samples + 31) / 32))))
        }
        let trainRate = Double(samples * epochs) / trainSeconds

        let t1 = Date()
        _ = model.predict(x, count: samples, batchSize: 32)
        let inferRate = Double(samples) / Date().timeIntervalSince(t1)

        let peak = GEMMProbe.peakGFLOPS()
        let trainGF = trainRate * config.trainingFLOPs / 1e9
        let inferGF = inferRate * config.forwardFLOPs / 1e9
        // FLOPs are counted as direct convolution does them; Winograd does ~4x fewer in conv2/conv3,
        // so the effective rate can exceed the SGEMM peak.
        print(String(format: "training:  %6.0f samples/s  %6.1f effective GFLOP/s  %4.0f%% of SGEMM peak", trainRate, trainGF, 100 * trainGF / peak))
        print(String(format: "inference: %6.0f samples/s  %6.1f effective GFLOP/s  %4.0f%% of SGEMM peak", inferRate, inferGF, 100 * inferGF / peak))
        print("(effective: FLOPs counted as direct convolution; Winograd F(4x4,3x3) does 4x fewer in conv2 and conv3)")
        print(String(format: "SGEMM peak (2048^3, %d threads): %.1f GFLOP/s", threads, peak))
        print(String(format: "peak memory (max RSS): %.0f MiB", peakResidentMiB()))
    }
}

func peakResidentMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}
