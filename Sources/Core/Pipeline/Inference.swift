import Foundation

/// The input standardisation a model was trained with: the training segments' mean and standard
/// deviation, applied in Double and rounded to Float once, the same way for training, evaluation
/// and `lab predict`.
public struct Standardisation: Codable, Equatable, Sendable {
    public var mean: Double, std: Double
    public init(mean: Double, std: Double) {
        self.mean = mean
        self.std = std
    }
    @inline(__always) public func apply(_ v: Float) -> Float { Float((Double(v) - mean) / std) }
    public func apply(_ x: inout [Float]) { for i in x.indices { x[i] = apply(x[i]) } }
}

/// One file's features as every stage computes them: decoded (any format libsndfile reads, any rate,
/// mono or stereo, downmixed and resampled to the features' rate), optionally augmented, then
/// log-mel or harmonic. The feature cache, and so every run, computes them through here.
public enum ClipFeatures {
    public static func compute(path: String, params: FeatureParams, extractor: LogMelExtractor? = nil,
                               augmentation: AugmentDraw? = nil) throws -> FeatureMatrix {
        features(of: try decode(path: path, params: params, augmentation: augmentation), params: params, extractor: extractor)
    }

    /// The first step: mono samples at the features' rate (augmented when asked).
    public static func decode(path: String, params: FeatureParams, augmentation: AugmentDraw? = nil) throws -> [Float] {
        let audio = try AudioIO.decode(path: path, sampleRate: params.sampleRate)
        return try augmentation?.apply(audio.samples, sampleRate: params.sampleRate) ?? audio.samples
    }

    /// The second step: the log-mel (or harmonic) matrix of those samples.
    public static func features(of samples: [Float], params: FeatureParams, extractor: LogMelExtractor? = nil) -> FeatureMatrix {
        (extractor ?? LogMelExtractor(params: params)).logMel(samples)
    }

    /// Why a run cannot use a clip with these features, or nil: silent audio (a constant matrix), or
    /// too short for one segment. The one rule runs, `lab predict` and `lab data check` share.
    public static func unusable(_ m: FeatureMatrix, spec: SegmentSpec, segmentSeconds: Double) -> UnusableClip? {
        if let first = m.values.first, !m.values.contains(where: { $0 != first }) { return .silent }
        return spec.tooShort(frames: m.cols, segmentSeconds: segmentSeconds).map(UnusableClip.tooShort)
    }
}

/// Why a clip cannot be used, as a value: callers decide by case (predict pads a short file but
/// never a silent one), and the text is what the manifest and report list.
public enum UnusableClip: Error, Equatable, Sendable, CustomStringConvertible {
    /// Every log-mel value the same: silence, or a signal below the features' floor.
    case silent
    /// Fewer frames than one segment; the reason names both counts.
    case tooShort(String)

    public var description: String {
        switch self {
        case .silent: return "all silent (every sample is 0)"
        case .tooShort(let reason): return reason
        }
    }
}

/// What `model.safetensors` says about its model beyond the weights: everything needed to apply it
/// to new audio exactly as its run evaluated its test clips.
public struct ModelCard: Codable, Equatable, Sendable {
    public var experiment: String
    public var run: String
    public var architecture: ModelConfig
    public var classes: [String]
    public var features: FeatureParams
    public var segment: SegmentSpec
    public var standardisation: Standardisation
    /// How the run aggregated a clip's segments (nil: the mean of probabilities); `predict` does the same.
    public var aggregate: ClipAggregate?
    /// A tagging model: one sigmoid per tag (`classes` are its tags), a clip the mean of its segments'.
    public var tagging = false

    /// The metadata keys, shared by the writer and the reader.
    public enum Key {
        public static let experiment = "experiment", run = "run", architecture = "architecture", classes = "classes",
                          features = "features", segment = "segment", mean = "input_mean", std = "input_std",
                          aggregate = "clip_aggregate", task = "task"
    }

    public init(experiment: String, run: String, architecture: ModelConfig, classes: [String], features: FeatureParams,
                segment: SegmentSpec, standardisation: Standardisation, aggregate: ClipAggregate? = nil, tagging: Bool = false) {
        (self.experiment, self.run, self.architecture, self.classes) = (experiment, run, architecture, classes)
        (self.features, self.segment, self.standardisation, self.aggregate) = (features, segment, standardisation, aggregate)
        self.tagging = tagging
    }

    /// The header's `__metadata__` strings. Doubles are written by Swift's shortest round-trip form,
    /// so they read back to the same bits.
    public var metadata: [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func json<T: Encodable>(_ v: T) -> String { String(decoding: (try? encoder.encode(v)) ?? Data("null".utf8), as: UTF8.self) }
        var meta = [
            Key.experiment: experiment, Key.run: run, Key.architecture: json(architecture), Key.classes: json(classes),
            Key.features: json(features), Key.segment: json(segment),
            Key.mean: "\(standardisation.mean)", Key.std: "\(standardisation.std)",
            "input": "float32 [N, \(architecture.input.channels), \(architecture.inputHeight), \(architecture.inputWidth)]: "
                + "log-mel dB segments, standardised as (x - input_mean) / input_std; outputs are logits ("
                + (tagging ? "one per tag: apply the sigmoid to each)" : "softmax them)"),
        ]
        if let aggregate { meta[Key.aggregate] = aggregate.rawValue }
        if tagging { meta[Key.task] = "tagging" }
        return meta
    }

    /// Reads the card back, checking that its parts agree (a hand-edited header must not reach a
    /// precondition): the network's input is the features' bands by the segment's frames, the class
    /// list matches the output layer, the segment cuts forward.
    public init(metadata meta: [String: String], path: String) throws {
        func fail(_ reason: String) -> CheckpointError { .unreadable(path, reason) }
        func decode<T: Decodable>(_ key: String, _ type: T.Type) throws -> T {
            guard let text = meta[key] else {
                throw fail("no \(key) in its metadata: weights from a search trial or an older lab; use a run's own model.safetensors")
            }
            guard let v = try? JSONDecoder().decode(type, from: Data(text.utf8)) else { throw fail("metadata \(key) is not valid") }
            return v
        }
        let architecture = try decode(Key.architecture, ModelConfig.self)
        let classes = try decode(Key.classes, [String].self)
        let features = try decode(Key.features, FeatureParams.self)
        let segment = try decode(Key.segment, SegmentSpec.self)
        guard let mean = meta[Key.mean].flatMap(Double.init), let std = meta[Key.std].flatMap(Double.init),
              mean.isFinite, std.isFinite, std > 0 else {
            throw fail("metadata input_mean / input_std missing or not a number")
        }
        guard segment.length > 0, segment.hop > 0, segment.maxPerClip.map({ $0 >= 1 })
                ?? true else { throw fail("metadata segment is not valid") }
        guard classes.count == architecture.classes, classes.count >= 2 else {
            throw fail("\(classes.count) class names for a network with \(architecture.classes) outputs")
        }
        guard architecture.input == InputShape(channels: features.channels, height: features.bands, width: segment.length),
              architecture.problem(batch: 1) == nil else {
            throw fail("the network's input does not match its features and segments")
        }
        var aggregate: ClipAggregate? = nil
        if let text = meta[Key.aggregate] {
            guard let a = ClipAggregate(rawValue: text) else { throw fail("metadata "
                    + "\(Key.aggregate) \"\(text)\" is not mean, mean_logits or max") }
            aggregate = a
        }
        if let task = meta[Key.task], task != "tagging" && task != "classification" {
            throw fail("metadata task \"\(task)\" is not tagging or classification")
        }
        if meta[Key.task] == "tagging", aggregate != nil { throw fail("a tagging model's clips are the mean of their segments") }
        self.init(experiment: meta[Key.experiment] ?? "", run: meta[Key.run] ?? "", architecture: architecture, classes: classes,
                  features: features, segment: segment, standardisation: Standardisation(mean: mean, std: std), aggregate: aggregate,
                  tagging: meta[Key.task] == "tagging")
    }
}

/// A model ready to classify audio files: its card and its weights.
public struct TrainedModel {
    public var card: ModelCard
    public var model: Model

    public init(card: ModelCard, model: Model) {
        self.card = card
        self.model = model
    }

    /// The file is read once: its card, then its weights into the network the card describes.
    public static func load(path: String) throws -> TrainedModel {
        let (metadata, tensors) = try Checkpoint.readWeights(path: path)
        let card = try ModelCard(metadata: metadata, path: path)
        var rng = SeededRNG(seed: 0) // the layers draw initial weights; every one is overwritten from the file
        let model = Model(config: card.architecture, rng: &rng)
        try Checkpoint.assign(tensors, to: model, path: path)
        return TrainedModel(card: card, model: model)
    }

    /// One file's prediction: each segment's probabilities and the clip's, aggregated as the run's
    /// evaluation aggregated its test clips (the mean, unless the card says otherwise).
    public struct FilePrediction: Sendable {
        public var seconds: Double
        /// Each segment's first frame, and its start and end in seconds (the end clipped to the file).
        public var segmentStarts: [Int]
        public var segmentTimes: [(start: Double, end: Double)]
        /// Row-major [segments x classes].
        public var segmentProbabilities: [Double]
        public var clipProbabilities: [Double]
    }

    /// The segments a file gives this model, standardised: what `predict` feeds the network.
    /// `padShort`: a file shorter than one segment becomes one window padded as `tail: pad` pads,
    /// instead of being refused (only for a model trained with `tail: drop`).
    public func inputs(_ m: FeatureMatrix, padShort: Bool) throws -> (x: [Float], starts: [Int], spec: SegmentSpec) {
        var spec = card.segment
        let seconds = Double(spec.length * card.features.hopLength) / Double(card.features.sampleRate)
        if let reason = ClipFeatures.unusable(m, spec: spec, segmentSeconds: (seconds * 100).rounded() / 100) {
            guard padShort, case .tooShort = reason else { throw UserError(reason.description) }
            spec.tail = .pad
        }
        var x: [Float] = []
        for s in segments(of: m, spec: spec) { x += s.values }
        card.standardisation.apply(&x)
        return (x, segmentStarts(frames: m.cols, spec: spec), spec)
    }

    public func predict(features m: FeatureMatrix, seconds: Double, padShort: Bool = false,
                        on context: ExecutionContext) throws -> FilePrediction {
        let (x, starts, spec) = try inputs(m, padShort: padShort)
        let k = card.classes.count
        let aggregate = card.aggregate ?? .meanProbability
        let sampleSize = model.config.input.channels * model.config.inputHeight * model.config.inputWidth
        let (p, logits): ([Double], [Double]?)
        if card.tagging {
            var z = model.predict(Samples(x, sampleSize: sampleSize), logits: true, on: context)
            SigmoidBinaryCrossEntropy.sigmoid(&z)
            (p, logits) = (z.map(Double.init), nil)
        } else {
            (p, logits) = model.outputs(Samples(x, sampleSize: sampleSize), for: aggregate, on: context)
        }
        let clip = ClipAggregation.aggregate(aggregate, probabilities: p, logits: logits, classCount: k,
                                             clipIDs: [Int](repeating: 0, count: starts.count))
        let frame = Double(card.features.hopLength) / Double(card.features.sampleRate)
        return FilePrediction(seconds: seconds, segmentStarts: starts,
                              segmentTimes: starts.map { (Double($0) * frame, min(seconds, Double($0 + spec.length) * frame)) },
                              segmentProbabilities: p, clipProbabilities: clip.probabilities)
    }

    /// Decode, features, segments, network, clip: one file end to end.
    public func predict(file path: String, padShort: Bool = false, on context: ExecutionContext) throws -> FilePrediction {
        try predict(files: [path], padShort: padShort, on: context).predictions[0].get()
    }

    /// Where `predict(files:)` spent its time: decoding and features summed over threads, their wall
    /// time, and the network's.
    public struct Timing: Sendable {
        public var decode = 0.0, features = 0.0, featureWall = 0.0, inference = 0.0
    }

    /// Every file end to end, in order: decoding and features for a chunk of files in parallel
    /// (decoding dominates), then the network on them in order, so memory stays bounded however many
    /// files there are and the output order is fixed. A file that cannot be read is its error; the
    /// others go on. `progress(done, total)` after each chunk. `lab predict` and the tests call this.
    public func predict(files: [String], padShort: Bool = false, on context: ExecutionContext,
                        progress: (Int, Int) -> Void = { _, _ in }) -> (predictions: [Result<FilePrediction, Error>], timing: Timing) {
        let extractor = LogMelExtractor(params: card.features)
        let chunk = max(8, 4 * context.threads)
        var out: [Result<FilePrediction, Error>] = []
        var timing = Timing()
        for start in stride(from: 0, to: files.count, by: chunk) {
            let part = Array(files[start..<min(files.count, start + chunk)])
            var features = [Result<(FeatureMatrix, Double), Error>?](repeating: nil, count: part.count)
            var stageTimes = [(decode: Double, features: Double)](repeating: (0, 0), count: part.count)
            let wall = Date()
            features.withUnsafeMutableBufferPointer { slots in
                let slots = slots
                stageTimes.withUnsafeMutableBufferPointer { times in
                    let times = times
                    context.forEach(part.count) { i in
                        slots[i] = Result {
                            let t0 = Date()
                            // The file is opened once: its length is the decoded samples' at the model's rate.
                            let samples = try ClipFeatures.decode(path: part[i], params: card.features)
                            let t1 = Date()
                            let m = ClipFeatures.features(of: samples, params: card.features, extractor: extractor)
                            times[i] = (t1.timeIntervalSince(t0), Date().timeIntervalSince(t1))
                            return (m, Double(samples.count) / Double(card.features.sampleRate))
                        }
                    }
                }
            }
            timing.featureWall += Date().timeIntervalSince(wall)
            for t in stageTimes { timing.decode += t.decode; timing.features += t.features }
            for r in features {
                let t0 = Date()
                out.append(Result { let (m, seconds) = try r!.get(); return try predict(features: m, seconds: seconds,
                                                                                        padShort: padShort, on: context) })
                timing.inference += Date().timeIntervalSince(t0)
            }
            progress(min(files.count, start + chunk), files.count)
        }
        return (out, timing)
    }
}
