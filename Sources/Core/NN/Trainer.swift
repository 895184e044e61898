import Foundation
import Numerics

public struct TrainConfig: Codable, Hashable, Sendable {
    public var epochs: Int = 30
    public var batchSize: Int = 32
    public var learningRate: Double = 1e-3
    public var optimizer: OptimizerKind = .adam
    /// SGD only.
    public var momentum: Double = 0.9
    /// Early stopping on validation loss; the best weights are restored. nil: off.
    public var patience: Int? = 5
    /// Optional schedule: the learning rate is multiplied by this after every epoch.
    public var lrDecay: Double? = nil
    public var seed: UInt64 = 42
    /// The recipe beyond the study; each nil when off (and then omitted from JSON, so older records
    /// read and match the same).
    /// `augment: {spec_mask: ...}` in a cell: SpecAugment masks on each training batch.
    public var specMask: SpecMask? = nil
    /// Mixup's alpha: each batch blended with a shuffled copy of itself.
    public var mixup: Double? = nil
    /// Decoupled weight decay (AdamW, Loshchilov and Hutter): each step first shrinks every kernel
    /// (not biases or batch-norm parameters) by learning rate x decay.
    public var weightDecay: Double? = nil
    /// The learning rate per epoch; replaces `lrDecay`.
    public var schedule: LRSchedule? = nil
    /// The length the schedule spans (nil: `epochs`). A search trains a trial rung by rung, with
    /// `epochs` set to each rung, and sets this to its last rung so that every rung follows one curve.
    public var scheduleEpochs: Int? = nil

    public init(epochs: Int = 30, batchSize: Int = 32, learningRate: Double = 1e-3, optimizer: OptimizerKind = .adam,
                momentum: Double = 0.9, patience: Int? = 5, lrDecay: Double? = nil, seed: UInt64 = 42) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.optimizer = optimizer
        self.momentum = momentum
        self.patience = patience
        self.lrDecay = lrDecay
        self.seed = seed
    }
}

/// Labelled samples, each [channels x height x width], held in memory or streamed from a file
/// (`Samples`); training and evaluation read them a batch at a time either way. A sample has one
/// class (`labels`), or for tagging any number of tags (`tags`, and then `labels` is empty).
public struct Dataset: Sendable {
    public var samples: Samples
    public var labels: [Int]
    /// Tagging: each sample's tags, multi-hot, row-major [count x tagCount]; nil for one class per sample.
    public var tags: [Bool]? = nil
    public var channels: Int
    public var height: Int
    public var width: Int
    public init(x: [Float], labels: [Int], channels: Int = 1, height: Int, width: Int) {
        precondition(x.count == labels.count * channels * height * width, "dataset: \(x.count) values for \(labels.count) samples")
        self.init(samples: Samples(x, sampleSize: channels * height * width), labels: labels, channels: channels, height: height,
                  width: width)
    }
    public init(samples: Samples, labels: [Int], channels: Int = 1, height: Int, width: Int) {
        precondition(samples.count == labels.count && samples.sampleSize == channels * height * width,
                     "dataset: \(samples.count) samples of \(samples.sampleSize) floats for \(labels.count) labels of "
                             + "\(channels)x\(height)x\(width)")
        self.samples = samples
        self.labels = labels
        self.channels = channels
        self.height = height
        self.width = width
    }
    /// A tagging dataset: sample i carries tag t when `tags[i * tagCount + t]`.
    public init(samples: Samples, tags: [Bool], tagCount: Int, channels: Int = 1, height: Int, width: Int) {
        precondition(tagCount > 0 && tags.count == samples.count * tagCount && samples.sampleSize == channels * height * width,
                     "tagging dataset: \(samples.count) samples, \(tags.count) tag flags for \(tagCount) tags")
        self.init(samples: samples, labels: [], channels: channels, height: height, width: width, unchecked: ())
        self.tags = tags
    }

    private init(samples: Samples, labels: [Int], channels: Int, height: Int, width: Int, unchecked: Void) {
        (self.samples, self.labels, self.channels, self.height, self.width) = (samples, labels, channels, height, width)
    }

    public var count: Int { samples.count }
    public var isTagging: Bool { tags != nil }
    /// Every sample's floats, in order (read whole from a streamed dataset: for tests and small data).
    public var x: [Float] { samples.values }
}

public struct EpochRecord: Codable, Equatable, Sendable {
    public var epoch: Int
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var validationLoss: Double
    public var validationAccuracy: Double
    /// Macro one-vs-rest ROC-AUC on the validation segments; nil when undefined.
    public var validationAUC: Double?
    public var learningRate: Double
    /// Wall time: the one field that is not reproducible, never part of a determinism check. nil in
    /// the records that must be the same bits on every rerun (metrics.json, results.json).
    public var seconds: Double?

    /// This epoch without its wall time: every field reproducible bit for bit.
    public var withoutWallTime: EpochRecord {
        var r = self
        r.seconds = nil
        return r
    }
}

public struct TrainProgress: Sendable {
    public var epoch: Int, epochs: Int, batch: Int, batches: Int
    public var loss: Double
    public var samplesPerSecond: Double
    public var etaSeconds: Double
}

public struct TrainResult: Sendable {
    public var history: [EpochRecord]
    public var bestEpoch: Int
    public var stoppedEarly: Bool
    public var interrupted: Bool
    public init(history: [EpochRecord], bestEpoch: Int, stoppedEarly: Bool, interrupted: Bool) {
        self.history = history
        self.bestEpoch = bestEpoch
        self.stoppedEarly = stoppedEarly
        self.interrupted = interrupted
    }
}

/// Seeded mini-batch training with per-epoch validation, early stopping and checkpoints.
/// Three independent generators derive from the seed: init (used by the caller to build the Model),
/// shuffle and dropout; the latter two are part of the training state.
public final class Trainer {
    public let model: Model
    public let config: TrainConfig
    /// Threads and kernels: they change no bit of the result (NNTests compares 1, 2 and 3 threads).
    public let context: ExecutionContext
    private(set) var state: TrainingState
    private let optimizer: Optimizer

    public init(model: Model, config: TrainConfig, context: ExecutionContext) {
        self.model = model
        self.config = config
        self.context = context
        let base = SeededRNG(seed: config.seed)
        optimizer = Optimizer(kind: config.optimizer, learningRate: config.learningRate, momentum: config.momentum,
                              weightDecay: config.weightDecay ?? 0, parameters: model.parameters)
        state = TrainingState(epoch: 0, step: 0, learningRate: config.learningRate,
                              shuffleRNG: base.derived("shuffle").state, dropoutRNG: base.derived("dropout").state,
                              history: [], bestEpoch: 0, bestValidationLoss: .infinity, epochsWithoutImprovement: 0,
                              weights: [], moments1: [], moments2: [], bestWeights: [], finished: false)
        state = snapshot()
    }

    /// Continues from a checkpoint: weights, optimiser moments, generators, epoch and history are restored,
    /// so the run ends bit-identical to one that never stopped.
    public convenience init(model: Model, config: TrainConfig, context: ExecutionContext, resumingFrom saved: TrainingState) throws {
        self.init(model: model, config: config, context: context)
        try restore(saved)
    }

    /// A model built from the config's seed: the standard way to start a run.
    public static func initialModel(config: ModelConfig, seed: UInt64) -> Model {
        var rng = SeededRNG(seed: seed).derived("init")
        return Model(config: config, rng: &rng)
    }

    public var trainingState: TrainingState { state }

    public func fit(train: Dataset, validation: Dataset,
                    progress: (TrainProgress) -> Void = { _ in },
                    checkpoint: (TrainingState) throws -> Void = { _ in },
                    shouldStop: () -> Bool = { false }) throws -> TrainResult {
        precondition(train.height == model.config.inputHeight && train.width == model.config.inputWidth
                     && train.channels == model.config.input.channels,
                     "training data \(train.channels)x\(train.height)x\(train.width) does not fit the model's input")
        let tagging = train.isTagging, k = model.config.classes
        precondition(validation.isTagging == tagging, "training and validation data must both be tagging data, or neither")
        precondition(!tagging || config.mixup == nil, "mixup blends one class per sample; it is not defined for tagging")
        let input = Tensor(shape: [train.channels, config.batchSize, train.height, train.width])
        let dLogits = Tensor(shape: [config.batchSize, model.config.classes])
        var targets = [Float](repeating: 0, count: tagging ? config.batchSize * k : 0)
        var probabilities: [Float] = []
        var shuffleRNG = SeededRNG(state: state.shuffleRNG)
        var dropoutRNG = SeededRNG(state: state.dropoutRNG)
        let dropouts = model.layers.compactMap { $0 as? Dropout }
        let dropoutPurposes = dropouts.map(\.name) // the names that derive each layer's mask stream
        let parameters = model.parameters
        var labels = [Int](repeating: 0, count: config.batchSize)
        let batches = (train.count + config.batchSize - 1) / config.batchSize
        var stoppedEarly = false

        while state.epoch < config.epochs && !state.finished {
            let epochStart = Date()
            let epoch = state.epoch + 1
            optimizer.learningRate = state.learningRate
            var order = Array(0..<train.count)
            shuffleRNG.shuffle(&order)
            var lossSum = 0.0, correct = 0.0 // whole samples right; for tagging, the share of a sample's tags right
            // Per-epoch streams from the seed alone, so a run resumed at an epoch boundary draws the same.
            let recipe = SeededRNG(seed: config.seed)
            var maskRNG = recipe.derived("spec_mask").derived("epoch \(epoch)")
            var mixupRNG = recipe.derived("mixup").derived("epoch \(epoch)")
            for b in 0..<batches {
                if shouldStop() {
                    try restore(state) // back to the last completed epoch
                    return TrainResult(history: state.history, bestEpoch: state.bestEpoch, stoppedEarly: false, interrupted: true)
                }
                let lo = b * config.batchSize, hi = min(train.count, lo + config.batchSize), n = hi - lo
                input.reshape(to: [train.channels, n, train.height, train.width])
                train.samples.gather(order[lo..<hi], channels: train.channels, into: input)
                if let tags = train.tags {
                    for i in 0..<n { for t in 0..<k { targets[i * k + t] = tags[order[lo + i] * k + t] ? 1 : 0 } }
                } else {
                    for i in 0..<n { labels[i] = train.labels[order[lo + i]] }
                }
                for (d, purpose) in zip(dropouts, dropoutPurposes) { d.rng = dropoutRNG.derived(purpose); _ = dropoutRNG.next() }
                config.specMask?.apply(to: input, rng: &maskRNG)
                let mixed = config.mixup.map {
                    Mixup.apply(to: input, labels: labels[0..<n], classes: model.config.classes, alpha: $0, rng: &mixupRNG)
                }
                let logits = model.forward(input, training: true, on: context)
                if tagging {
                    let batchTargets = Array(targets[0..<(n * k)])
                    lossSum += SigmoidBinaryCrossEntropy.lossAndGradient(logits: logits, targets: batchTargets,
                                                                         probabilities: &probabilities, gradient: dLogits)
                    correct += tagsRight(probabilities, targets: batchTargets, tagCount: k)
                } else if let mixed {
                    lossSum += SoftmaxCrossEntropy.lossAndGradient(logits: logits, targets: mixed.values,
                                                                   probabilities: &probabilities, gradient: dLogits)
                    correct += Double(countCorrect(probabilities, labels: mixed.dominant[...], classes: model.config.classes))
                } else {
                    lossSum += SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: labels[0..<n],
                                                                   probabilities: &probabilities, gradient: dLogits)
                    correct += Double(countCorrect(probabilities, labels: labels[0..<n], classes: model.config.classes))
                }
                model.backward(dLogits, on: context)
                optimizer.update(parameters, on: context)
                let elapsed = Date().timeIntervalSince(epochStart)
                let rate = Double(hi) / max(elapsed, 1e-9)
                progress(TrainProgress(epoch: epoch, epochs: config.epochs, batch: b + 1, batches: batches,
                                       loss: lossSum / Double(hi), samplesPerSecond: rate,
                                       etaSeconds: Double(train.count - hi) / rate))
            }
            let (valLoss, valAccuracy, valAUC) = evaluate(validation)
            state.history.append(EpochRecord(epoch: epoch, trainLoss: lossSum / Double(train.count),
                                             trainAccuracy: correct / Double(train.count),
                                             validationLoss: valLoss, validationAccuracy: valAccuracy, validationAUC: valAUC,
                                             learningRate: state.learningRate, seconds: Date().timeIntervalSince(epochStart)))
            state.epoch = epoch
            if valLoss < state.bestValidationLoss {
                state.bestValidationLoss = valLoss
                state.bestEpoch = epoch
                state.epochsWithoutImprovement = 0
                state.bestWeights = model.state.map(\.value)
            } else {
                state.epochsWithoutImprovement += 1
            }
            if let schedule = config.schedule {
                state.learningRate = schedule.rate(epoch: epoch + 1, base: config.learningRate,
                                                   epochs: config.scheduleEpochs ?? config.epochs)
            } else if let decay = config.lrDecay {
                state.learningRate *= decay
            }
            if let patience = config.patience, state.epochsWithoutImprovement >= patience {
                stoppedEarly = true
                state.finished = true
            }
            state.shuffleRNG = shuffleRNG.state
            state.dropoutRNG = dropoutRNG.state
            state = snapshot()
            try checkpoint(state)
        }
        // Keras' restore_best_weights: the returned model is the best epoch's.
        if !state.bestWeights.isEmpty {
            for (p, v) in zip(model.state, state.bestWeights) { p.value = v }
        }
        stoppedEarly = stoppedEarly || (state.finished && state.epoch < config.epochs)
        return TrainResult(history: state.history, bestEpoch: state.bestEpoch, stoppedEarly: stoppedEarly, interrupted: false)
    }

    /// Loss, accuracy and macro ROC-AUC in inference mode. For tagging: the binary cross-entropy,
    /// the share of tags right at a 0.5 threshold, and the macro ROC-AUC over the tags that have one.
    public func evaluate(_ data: Dataset) -> (loss: Double, accuracy: Double, auc: Double?) {
        guard data.count > 0 else { return (.nan, .nan, nil) }
        if let tags = data.tags { return evaluateTags(data, tags: tags) }
        let probs = model.predict(data.samples, on: context)
        let k = model.config.classes
        var loss = 0.0
        for i in 0..<data.count { loss -= Double(Elementary.log(max(probs[i * k + data.labels[i]], 1e-12))) }
        let predicted = argmaxRows(probs, classCount: k)
        let accuracy = Double(zip(predicted, data.labels).filter { $0 == $1 }.count) / Double(data.count)
        let auc = ROC.macroAUC(probabilities: probs.map(Double.init), labels: data.labels, classCount: k)
        return (loss / Double(data.count), accuracy, auc)
    }

    private func evaluateTags(_ data: Dataset, tags: [Bool]) -> (loss: Double, accuracy: Double, auc: Double?) {
        let k = model.config.classes
        let logits = model.predict(data.samples, logits: true, on: context)
        let targets = tags.map { $0 ? Float(1) : 0 }
        // One pass gives the loss and the sigmoid outputs the accuracy and AUC read.
        var p: [Float] = []
        let loss = SigmoidBinaryCrossEntropy.lossAndGradient(logits: Tensor(shape: [data.count, k], data: logits), targets: targets,
                                                             probabilities: &p, gradient: Tensor(shape: [data.count, k]))
        let report = TaggingReport(scores: p.map(Double.init), tags: tags, tagCount: k)
        return (loss / Double(data.count), tagsRight(p, targets: targets, tagCount: k) / Double(data.count), report.macroROCAUC)
    }

    private func snapshot() -> TrainingState {
        var s = state
        s.step = optimizer.step
        s.weights = model.state.map(\.value)
        s.moments1 = optimizer.first
        s.moments2 = optimizer.second
        return s
    }

    private func restore(_ saved: TrainingState) throws {
        let params = model.state
        guard saved.weights.count == params.count, zip(saved.weights, params).allSatisfy({ $0.count == $1.value.count }) else {
            throw CheckpointError.mismatch("checkpoint weights do not fit this model")
        }
        for (p, v) in zip(params, saved.weights) { p.value = v }
        if saved.moments1.count == optimizer.first.count { optimizer.first = saved.moments1 }
        if saved.moments2.count == optimizer.second.count { optimizer.second = saved.moments2 }
        optimizer.step = saved.step
        state = saved
    }
}

/// For tagging, summed over rows: the share of a row's K outputs on the right side of 0.5.
func tagsRight(_ probabilities: [Float], targets: [Float], tagCount k: Int) -> Double {
    var total = 0.0
    for r in 0..<(targets.count / k) {
        var right = 0
        for t in 0..<k where (probabilities[r * k + t] >= 0.5) == (targets[r * k + t] >= 0.5) { right += 1 }
        total += Double(right) / Double(k)
    }
    return total
}

/// How many rows of `probabilities` put their maximum on the label (first maximum on ties, as `argmax`).
func countCorrect(_ probabilities: [Float], labels: ArraySlice<Int>, classes k: Int) -> Int {
    var correct = 0
    for (r, label) in labels.enumerated() where argmax(probabilities, offset: r * k, count: k) == label { correct += 1 }
    return correct
}

