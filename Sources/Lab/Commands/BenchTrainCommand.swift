import ArgumentParser
import Core
import Foundation

struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "CNN training and inference speed on the reference architecture.",
        discussion: """
        Reference architecture: input 1x128x86 (128 mels x 2 s), conv 3x3 same 32/64/128 with 2x2 \
        max-pool, dense 64, dropout 0.3, 10 classes, batch 32, Adam. Prints training and inference \
        samples/s; the FLOP rate actually executed (Winograd's real products) and its share of this machine's \
        peak, measured in the same run with our own GEMM kernel (on the kernel path in use: LAB_KERNELS) on cache-resident \
        48x128x128 products on every thread (`lab bench gemm`); the "effective" rate \
        (FLOPs counted as direct convolution); and peak memory. The Keras peer is bench/keras_speed.py.

        Examples:
          lab bench train
          lab bench train --samples 2048 --threads 1
          lab bench train --profile     # adds a per-layer time table
          lab bench train --input 6x140 --profile   # the harmonic front end's six channels
          lab bench train --inference-only --inference-repeats 9
        """
    )

    @Option(help: "Training samples per timed epoch.") var samples = 1024
    @Option(help: "Timed training epochs.") var epochs = 2
    @Option(help: "Threads.") var threads = 2
    @Flag(help: "Print the time spent in each layer: forward and backward in training, forward in one more inference pass.")
    var profile = false
    @Option(help: "Batch size of the timed inference.") var inferenceBatch = 32
    @Flag(help: "Skip the timed training (for profiling inference alone).") var inferenceOnly = false
    @Option(help: "Timed inference passes over the samples (after one untimed); the median is reported.") var inferenceRepeats = 5
    @Option(help: "Input channels and bands: 1 x 128 is the study's log-mel; 6 x 140 is the harmonic front end's default.")
    var input = "1x128"

    func validate() throws {
        guard let dims = Optional(input.split(separator: "x").compactMap { Int($0) }), dims.count == 2, dims[0] >= 1, dims[1] >= 8 else {
            throw ValidationError("--input must be CHANNELSxBANDS, e.g. 1x128 or 6x140, got \(input)")
        }
        guard samples >= 32, epochs >= 1, threads >= 1, inferenceBatch >= 1, inferenceRepeats >= 1 else {
            throw ValidationError("--samples must be at least 32; --epochs, --threads, --inference-batch and --inference-repeats at least "
                    + "1")
        }
    }

    func run() throws {
        try TrainBenchmark(input: input, samples: samples, epochs: epochs, threads: threads, profile: profile, inferenceOnly: inferenceOnly,
                           inferenceBatch: inferenceBatch, inferenceRepeats: inferenceRepeats).run()
    }
}
