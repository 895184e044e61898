import Dispatch

/// Which network: the study's CNN, or the short-chunk ResNet of Won et al. (2020).
public enum ModelKind: String, Codable, Hashable, Sendable {
    /// One block per entry of `filters`: conv 3x3 "same" -> ReLU -> [BatchNorm] -> max-pool 2x2.
    case cnn
    /// One residual block per entry of `filters`: conv 3x3 -> BN -> ReLU -> conv 3x3 -> BN, plus the
    /// input (through a 1x1 conv and BN where the channel count changes), -> ReLU -> max-pool 2x2.
    case shortChunkResNet = "short-chunk-resnet"

    /// The head a spec without `head` gets: the study's flatten, or the ResNet's max over time.
    public var defaultHead: HeadPooling { self == .shortChunkResNet ? .max : .flatten }
}

/// What the last block's [C, N, H, W] becomes before the dense layers.
public enum HeadPooling: String, Codable, Hashable, Sendable, CaseIterable {
    /// Every value, channel-major (the study's Keras `Flatten`).
    case flatten
    /// Over time (the W axis), per channel and frequency row: the mean, the maximum, or both
    /// (means first), so the dense layer sees C x H (or 2 x C x H) features whatever the segment length.
    case avg, max, avgmax

    /// How many pooled values each (channel, row) gives; 0 for flatten.
    public var parts: Int { self == .flatten ? 0 : self == .avgmax ? 2 : 1 }
}

/// What the user asks for in a cell's `model:`: the study's network, every part configurable.
/// The blocks (see `ModelKind`), then the head (`HeadPooling`) -> dropout -> dense + ReLU -> dropout
/// -> dense (logits; softmax is fused into the loss).
public struct ModelSpec: Codable, Hashable, Sendable {
    public var filters: [Int] = [32, 64, 128]
    public var batchNorm: Bool = false
    public var dropout: Double = 0.3
    public var denseUnits: Int = 64
    /// nil: the study's CNN (omitted from JSON then, so older records read and match the same).
    public var kind: ModelKind? = nil
    /// nil: flatten for the CNN, max over time for the ResNet (Won et al.'s head).
    public var head: HeadPooling? = nil

    public var network: ModelKind { kind ?? .cnn }
    public var pooling: HeadPooling { head ?? network.defaultHead }

    public init(filters: [Int] = [32, 64, 128], batchNorm: Bool = false, dropout: Double = 0.3, denseUnits: Int = 64) {
        self.filters = filters
        self.batchNorm = batchNorm
        self.dropout = dropout
        self.denseUnits = denseUnits
    }
}

/// What the data decides: the input each sample has (channels x height x width).
public struct InputShape: Codable, Hashable, Sendable {
    public var channels: Int = 1
    public var height: Int
    public var width: Int
    public init(channels: Int = 1, height: Int, width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
    }
}

/// The network actually built: the spec, built for an input shape and a class count, as Keras's
/// `build(input_shape)` does.
public struct ModelConfig: Codable, Hashable, Sendable {
    public var spec: ModelSpec
    public var input: InputShape
    public var classes: Int

    public init(spec: ModelSpec, input: InputShape, classes: Int) {
        self.spec = spec
        self.input = input
        self.classes = classes
    }

    /// Spec and shape in one call (tests and benchmarks).
    public init(inputChannels: Int = 1, inputHeight: Int = 128, inputWidth: Int = 86, filters: [Int] = [32, 64, 128],
                batchNorm: Bool = false,
                dropout: Double = 0.3, denseUnits: Int = 64, classes: Int = 10) {
        self.init(spec: ModelSpec(filters: filters, batchNorm: batchNorm, dropout: dropout, denseUnits: denseUnits),
                  input: InputShape(channels: inputChannels, height: inputHeight, width: inputWidth), classes: classes)
    }

    public var inputHeight: Int { input.height }
    public var inputWidth: Int { input.width }
    public var filters: [Int] { spec.filters }
    public var batchNorm: Bool { spec.batchNorm }
    public var dropout: Double { spec.dropout }
    public var denseUnits: Int { spec.denseUnits }
    public var isResNet: Bool { spec.network == .shortChunkResNet }

    /// One conv block as the engine builds it: its input (channels x height x width) and its filters.
    public struct Block: Equatable, Sendable {
        public var inChannels: Int, height: Int, width: Int, filters: Int
    }

    /// The engine's layer walk: each block's input shape (every 2x2 pool halves height and width,
    /// rounding down), then the flattened features the dense head sees. `Model.init`, the FLOP counts
    /// and the notebook validator all follow this one walk.
    public var blocks: [Block] {
        var h = inputHeight, w = inputWidth, c = input.channels, out: [Block] = []
        for f in filters {
            out.append(Block(inChannels: c, height: h, width: w, filters: f))
            c = f; h /= 2; w /= 2
        }
        return out
    }

    /// (channels, height, width) after the last block: what `Flatten` hands the dense head.
    public var flattenedShape: (channels: Int, height: Int, width: Int) {
        guard let last = blocks.last else { return (input.channels, inputHeight, inputWidth) }
        return (last.filters, last.height / 2, last.width / 2)
    }

    /// What the head hands the first dense layer per sample.
    public var headFeatures: Double {
        let (c, h, w) = flattenedShape
        let p = spec.pooling
        return p == .flatten ? Double(c) * Double(h) * Double(w) : Double(p.parts) * Double(c) * Double(h)
    }

    /// Whether a block has a 1x1 projection on its shortcut (ResNet, where the channel count changes).
    public func projects(_ b: Block) -> Bool { isResNet && b.inChannels != b.filters }

    /// Trainable weights and biases (batch-norm scale and shift included), counted in Double so an
    /// absurd configuration cannot overflow.
    public var weightCount: Double {
        var n = 0.0
        for b in blocks {
            if isResNet {
                let (c, f) = (Double(b.inChannels), Double(b.filters))
                n += 9 * c * f + 9 * f * f + 2 * f + 4 * f // two convolutions, two batch norms
                if projects(b) { n += c * f + f + 2 * f }
            } else {
                n += Double(9 * b.inChannels * b.filters + b.filters) + (batchNorm ? Double(2 * b.filters) : 0)
            }
        }
        return n + (headFeatures + 1) * Double(denseUnits) + Double(denseUnits + 1) * Double(classes)
    }

    /// Bytes of activations one training batch keeps for backward (each block's output, its
    /// pre-activation and its gradient: three floats per conv output; a residual block keeps about
    /// four times as many maps).
    public func activationBytes(batch: Int) -> Double {
        blocks.reduce(0.0) { $0 + Double($1.filters) * Double($1.height) * Double($1.width) } * Double(batch) * 4 * (isResNet ? 12 : 3)
    }

    /// Largest model and batch a run accepts: far beyond the study's, well inside a 24 GiB machine.
    public static let maxWeights = 5e8, maxBatchBytes = 16 * 1_073_741_824.0

    /// Why the engine cannot build or train this configuration with `batch` samples per step, or nil.
    /// The reasons name the notebook key to change.
    public func problem(batch: Int) -> (key: String, message: String)? {
        guard !filters.isEmpty else { return ("model.filters", "name at least one block") }
        guard classes >= 2 else { return ("classes", "a classifier needs at least two classes, got \(classes)") }
        let need = 1 << min(filters.count, 30)
        if inputWidth < need {
            return ("segment.seconds", "gives \(inputWidth) frames; \(filters.count) pooling blocks need at least \(need)")
        }
        if inputHeight < need {
            return ("features", "\(inputHeight) frequency bands; \(filters.count) pooling blocks need at least \(need)")
        }
        let bytes = activationBytes(batch: batch)
        if weightCount > Self.maxWeights || bytes > Self.maxBatchBytes {
            return ("model", String(format: "%.3g weights and %.3g GiB of activations per batch of %d: too large for memory "
                                    + "(at most %.0e weights and %.0f GiB); use fewer filters, fewer dense units or a smaller batch",
                                    weightCount, bytes / 1_073_741_824, batch, Self.maxWeights, Self.maxBatchBytes / 1_073_741_824))
        }
        return nil
    }

    /// Multiply-adds x 2 of one forward pass for one sample (convolutions and dense layers).
    public var forwardFLOPs: Double {
        var flops = 0.0
        for b in blocks {
            flops += 2 * Double(b.height * b.width * b.filters * b.inChannels * 9)
            if isResNet { flops += 2 * Double(b.height * b.width * b.filters * b.filters * 9) }
            if projects(b) { flops += 2 * Double(b.height * b.width * b.filters * b.inChannels) }
        }
        return flops + 2 * headFeatures * Double(denseUnits) + 2 * Double(denseUnits * classes)
    }

    /// FLOPs the engine actually executes per sample, forward: the direct first layer as counted
    /// above, Winograd F(4x4, 3x3) layers as their 36 transform-domain products per 4x4 tile (the
    /// transforms' additions are left out), the dense layers as above.
    public var executedForwardFLOPs: Double {
        var flops = 0.0
        for b in blocks {
            if b.inChannels == 1 {
                flops += 2 * Double(b.height * b.width * b.filters * 9)
            } else {
                // A fused block's tiles cover only the rows and columns its 2x2 pool keeps.
                let (rows, cols) = batchNorm || isResNet ? (b.height, b.width) : (b.height / 2 * 2, b.width / 2 * 2)
                let tiles: Int = ((rows + 3) / 4) * ((cols + 3) / 4)
                flops += 72 * Double(tiles * b.inChannels * b.filters)
            }
            if isResNet {
                let tiles: Int = ((b.height + 3) / 4) * ((b.width + 3) / 4)
                flops += 72 * Double(tiles * b.filters * b.filters)
            }
            if projects(b) { flops += 2 * Double(b.height * b.width * b.filters * b.inChannels) }
        }
        return flops + 2 * headFeatures * Double(denseUnits) + 2 * Double(denseUnits * classes)
    }

    /// Executed FLOPs per training sample: each product runs three times (forward, input gradient,
    /// weight gradient), except the first layer's input gradient, which is never computed.
    public var executedTrainingFLOPs: Double {
        let firstConv = 2 * Double(inputHeight * inputWidth * input.channels * (filters.first ?? 0) * 9)
        return 3 * executedForwardFLOPs - firstConv
    }

    /// The first conv layer computes no input gradient, so training costs 3x forward less that pass.
    public var trainingFLOPs: Double {
        let firstConv = 2 * Double(inputHeight * inputWidth * input.channels * (filters.first ?? 0) * 9)
        return 3 * forwardFLOPs - firstConv
    }
}

/// Wall time per layer, forward and backward, in the order of `Model.layers`.
public struct LayerProfile: Sendable {
    public var names: [String]
    public var forward: [Double]
    public var backward: [Double]
    public init(names: [String]) {
        self.names = names
        forward = [Double](repeating: 0, count: names.count)
        backward = forward
    }
}

public final class Model {
    public let config: ModelConfig
    public let layers: [Layer]

    /// Builds `spec` for an input shape and a class count (Keras's `build(input_shape)`).
    public convenience init(spec: ModelSpec, input: InputShape, classes: Int, rng: inout SeededRNG) {
        self.init(config: ModelConfig(spec: spec, input: input, classes: classes), rng: &rng)
    }

    public init(config: ModelConfig, rng: inout SeededRNG) {
        precondition(!config.filters.isEmpty && config.classes >= 2)
        self.config = config
        var layers: [Layer] = []
        for (i, block) in config.blocks.enumerated() {
            let f = block.filters
            let conv = Conv2D(name: config.isResNet ? "res\(i + 1).conv1" : "conv\(i + 1)", inChannels: block.inChannels, outChannels: f,
                              kernel: 3, rng: &rng)
            conv.computesInputGradient = i > 0
            // The direct kernel has no input gradient; a later layer with one input channel (filters
            // [1, ...]) needs one, so it takes the general Winograd path.
            if i > 0 && conv.algorithm == .direct { conv.algorithm = .winograd }
            if config.isResNet {
                layers.append(ResidualBlock(name: "res\(i + 1)", first: conv, projects: config.projects(block), rng: &rng))
            } else if config.batchNorm {
                // ReLU overwrites the conv's map (the conv never reads it again) and, going back, the
                // gradient BN wrote over the pool's: the same bits with two maps fewer a block.
                layers += [conv, ReLU(name: "relu\(i + 1)"), BatchNorm(name: "bn\(i + 1)", channels: f), MaxPool2D(name: "pool\(i + 1)")]
            } else {
                layers.append(ConvBlock(name: "block\(i + 1)", conv: conv))
            }
        }
        let (_, h, w) = config.flattenedShape
        precondition(h >= 1 && w >= 1,
                     "input \(config.inputHeight)x\(config.inputWidth) too small for \(config.filters.count) pooling blocks")
        let pooling = config.spec.pooling
        layers.append(pooling == .flatten ? Flatten(name: "flatten") : TimePool(name: "time_pool", pooling: pooling))
        layers.append(Dropout(name: "dropout1", rate: config.dropout))
        layers.append(Dense(name: "dense1", inFeatures: Int(config.headFeatures), outFeatures: config.denseUnits, rng: &rng))
        layers.append(ReLU(name: "relu_dense"))
        layers.append(Dropout(name: "dropout2", rate: config.dropout))
        layers.append(Dense(name: "dense2", inFeatures: config.denseUnits, outFeatures: config.classes, rng: &rng))
        self.layers = layers
        sharesMaps = true
    }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) }
    /// Everything that defines the model's function: trainable parameters, then tracked buffers.
    public var state: [Parameter] { layers.flatMap(\.parameters) + layers.flatMap(\.buffers) }
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// When set, forward and backward add each layer's wall time here (seconds), for `lab bench train --profile`.
    public var profile: LayerProfile?

    /// Whether each `ConvBlock` runs its fused pass (the default) or its three layers one by one:
    /// the same bits either way; tests switch it off to compare.
    public var fusesBlocks: Bool {
        get { layers.compactMap { $0 as? ConvBlock }.allSatisfy(\.fused) }
        set { for case let block as ConvBlock in layers { block.fused = newValue } }
    }

    /// Whether the batch-norm blocks' BN and ReLU overwrite the maps and gradients before them (the
    /// default) or each keeps its own: the same bits either way; tests switch it off to compare. A
    /// ReLU after a conv overwrites the conv's map (the conv never reads it again) and, going back,
    /// the gradient BN wrote over the pool's; a residual block shares its own (`ResidualBlock`).
    public var sharesMaps: Bool {
        get { (layers.first as? ResidualBlock)?.sharesMaps ?? (layers.dropFirst().first as? ReLU)?.inPlace ?? true }
        set {
            for (i, layer) in layers.enumerated() {
                if let block = layer as? ResidualBlock { block.sharesMaps = newValue }
                if let bn = layer as? BatchNorm { bn.backwardInPlace = newValue }
                if let relu = layer as? ReLU, i > 0, layers[i - 1] is Conv2D { relu.inPlace = newValue }
            }
        }
    }

    /// Logits for a batch [channels, N, H, W]: a plain list of layers, one after another.
    func forward(_ x: Tensor, training: Bool, on context: ExecutionContext) -> Tensor {
        var t = x
        for (i, layer) in layers.enumerated() {
            let start = profile == nil ? 0 : DispatchTime.now().uptimeNanoseconds
            t = layer.forward(t, training: training, on: context)
            if profile != nil { profile!.forward[i] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        }
        return t
    }

    func backward(_ dLogits: Tensor, on context: ExecutionContext) {
        var g = dLogits
        for i in layers.indices.reversed() {
            let start = profile == nil ? 0 : DispatchTime.now().uptimeNanoseconds
            g = layers[i].backward(g, on: context)
            if profile != nil { profile!.backward[i] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        }
    }

    /// Class probabilities, row-major [count x classes], computed in batches of `batchSize`.
    ///
    /// With N threads, batches are dealt out to N models (this one and replicas with the same weights),
    /// one whole batch per thread, no layer split between threads. Each sample's output depends on that
    /// sample alone (every sum runs over one image, or over features for one row), so which thread
    /// and which batch computed it changes no bit: `predict` gives the same bits on any thread count.
    /// `logits: true` returns the network's outputs before the softmax.
    public func predict(_ x: [Float], count: Int, batchSize: Int = 32, logits wantsLogits: Bool = false,
                        on context: ExecutionContext) -> [Float] {
        let size = config.input.channels * config.inputHeight * config.inputWidth
        precondition(x.count == count * size, "predict: \(x.count) values for \(count) samples of \(size)")
        return predict(Samples(x, sampleSize: size), batchSize: batchSize, logits: wantsLogits, on: context)
    }

    /// `predict` on samples in memory or streamed from a file: the same bits either way.
    public func predict(_ samples: Samples, batchSize: Int = 32, logits wantsLogits: Bool = false,
                        on context: ExecutionContext) -> [Float] {
        let channels = config.input.channels, count = samples.count
        precondition(samples.sampleSize == channels * config.inputHeight * config.inputWidth,
                     "predict: samples of \(samples.sampleSize) floats for a \(channels)x\(config.inputHeight)x\(config.inputWidth) input")
        var out = [Float](repeating: 0, count: count * config.classes)
        let batches = (count + batchSize - 1) / batchSize
        // Whole batches per worker, each worker on a model of its own and on one thread; every batch's
        // numbers are the same whichever worker runs it.
        // A replica holds maps of its own: for a network whose batch needs more than `replicaLimit`
        // of them, one model runs every batch, its layers on the threads (the same bits either way).
        let replicate = profile == nil && config.activationBytes(batch: batchSize) <= Self.replicaLimit
        let workers = replicate ? max(1, min(context.threads, batches)) : 1
        let layerContext = workers == 1 ? context : context.serial
        let models = [self] + (1..<workers).map { replicaForInference($0) }
        out.withUnsafeMutableBufferPointer { buffer in
            let outp = buffer.baseAddress!
            let run = { (worker: Int) in
                let model = models[worker]
                let input = Tensor(shape: [channels, 1, self.config.inputHeight, self.config.inputWidth])
                for batch in stride(from: worker, to: batches, by: workers) {
                    let start = batch * batchSize, n = min(batchSize, count - start)
                    input.reshape(to: [channels, n, self.config.inputHeight, self.config.inputWidth])
                    samples.gather((start..<(start + n)).map { $0 }[...], channels: channels, into: input)
                    var logits = model.forward(input, training: false, on: layerContext).data
                    if !wantsLogits { SoftmaxCrossEntropy.softmax(&logits, classes: self.config.classes) }
                    (outp + start * self.config.classes).update(from: logits, count: logits.count)
                }
            }
            if workers == 1 {
                run(0)
            } else {
                DispatchQueue.concurrentPerform(iterations: workers, execute: run)
            }
        }
        return out
    }

    /// The activation bytes (`ModelConfig.activationBytes`) above which `predict` runs without replicas.
    public static let replicaLimit = 512.0 * 1_048_576

    /// The other workers' models in a multi-thread `predict`: each built once, its state copied from
    /// this model's each time (weights change between epochs), and the same kernel choices.
    private var replicas: [Model] = []
    private func replicaForInference(_ index: Int) -> Model {
        while replicas.count < index {
            var rng = SeededRNG(seed: 0) // its initial weights are overwritten below
            replicas.append(Model(config: config, rng: &rng))
        }
        let copy = replicas[index - 1]
        for (mine, theirs) in zip(state, copy.state) { theirs.value = mine.value } // shares the storage until either changes
        for (mine, theirs) in zip(layers, copy.layers) {
            if let a = mine as? ConvBlock, let b = theirs as? ConvBlock {
                b.fused = a.fused
                b.conv.algorithm = a.conv.algorithm
            } else if let a = mine as? Conv2D, let b = theirs as? Conv2D {
                b.algorithm = a.algorithm
            }
        }
        return copy
    }
}
