import Core

/// Where a cell's audio comes from.
public enum DataSource: Codable, Equatable, Sendable {
    /// The built-in synthetic collection, generated once under target/data/.
    case builtin(clipsPerGenre: Int, seconds: Double, seed: UInt64)
    /// A class-per-folder collection on disk.
    case path(String)
    /// Audio under a root and a metadata file naming each clip's path and label (MetadataCollection's
    /// layouts); `subset` is FMA's small, medium or large.
    case labelled(path: String, labels: String, subset: String?)
    /// The built-in tagging collection (several tags a clip), generated once under target/data/ with
    /// its labels.csv.
    case builtinTagging(clips: Int, seconds: Double, seed: UInt64)

    // In manifests and results.json, as a person or `jq` reads it:
    //   "data": {"builtin": {"clipsPerGenre": 30, "seconds": 10, "seed": 1}}  or  "data": {"path": "genres"}
    // (Swift's synthesised form wrote a path as {"path": {"_0": "genres"}}; that is still read.)
    /// Audio named by a metadata file (`data: {path, labels}`).
    public var isLabelled: Bool {
        switch self {
        case .labelled, .builtinTagging: return true
        case .builtin, .path: return false
        }
    }

    public var isBuiltinTagging: Bool { if case .builtinTagging = self { return true } else { return false } }

    private enum Key: String, CodingKey { case builtin, builtinTagging, path, labels, subset }
    private struct Builtin: Codable { var clipsPerGenre: Int; var seconds: Double; var seed: UInt64 }
    private struct BuiltinTagging: Codable { var clips: Int; var seconds: Double; var seed: UInt64 }
    private struct Wrapped: Decodable { var _0: String }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        switch self {
        case .builtin(let clips, let seconds, let seed): try c.encode(Builtin(clipsPerGenre: clips, seconds: seconds, seed: seed),
                                                                      forKey: .builtin)
        case .builtinTagging(let clips, let seconds, let seed):
            try c.encode(BuiltinTagging(clips: clips, seconds: seconds, seed: seed), forKey: .builtinTagging)
        case .path(let p): try c.encode(p, forKey: .path)
        case .labelled(let p, let labels, let subset):
            try c.encode(p, forKey: .path)
            try c.encode(labels, forKey: .labels)
            try c.encodeIfPresent(subset, forKey: .subset)
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        if let b = try c.decodeIfPresent(Builtin.self, forKey: .builtin) {
            self = .builtin(clipsPerGenre: b.clipsPerGenre, seconds: b.seconds, seed: b.seed)
        } else if let b = try c.decodeIfPresent(BuiltinTagging.self, forKey: .builtinTagging) {
            self = .builtinTagging(clips: b.clips, seconds: b.seconds, seed: b.seed)
        } else if let labels = try c.decodeIfPresent(String.self, forKey: .labels) {
            self = .labelled(path: try c.decode(String.self, forKey: .path), labels: labels,
                             subset: try c.decodeIfPresent(String.self, forKey: .subset))
        } else if let p = try? c.decode(String.self, forKey: .path) {
            self = .path(p)
        } else {
            self = .path(try c.decode(Wrapped.self, forKey: .path)._0)
        }
    }
}

/// What a cell trains: one class per clip (softmax), or any number of tags per clip (sigmoid outputs
/// and binary cross-entropy, per tag).
public enum LearningTask: String, Codable, Sendable { case classification, tagging }

/// `tags: {top: N}`: keep the N most frequent tags (ties broken by name).
public struct TagSelection: Codable, Equatable, Sendable {
    public var top: Int
    public init(top: Int) { self.top = top }
}

/// One experiment cell, with every default filled in.
public struct Experiment: Codable, Equatable, Sendable {
    public var name: String
    public var title: String
    public var data: DataSource = .builtin(clipsPerGenre: 30, seconds: 10, seed: 1)
    /// nil: every class of the collection.
    public var classes: [String]? = nil
    /// `task:`; nil: tagging when the data is the built-in tagging set or a clip carries several
    /// labels, else classification (omitted from JSON then, so older records read the same).
    public var task: LearningTask? = nil
    /// `tags: {top: N}` (tagging): only the N most frequent tags; nil: every tag (or `classes:`).
    public var tags: TagSelection? = nil
    public var features = FeatureParams()
    /// `augment:`: copies of the training clips with noise, pitch shift and time stretch.
    public var augment: AugmentPlan? = nil
    public var segmentSeconds = 2.0
    public var segmentHopSeconds = 1.0
    public var segmentTail = SegmentTail.drop
    /// At most this many segments per clip, evenly spaced (nil: all of them).
    public var segmentMaxPerClip: Int? = nil
    public var split = SplitFractions()
    public var splitSeed: UInt64 = 42
    /// `split: {file: PATH}`, `split: {group_by: REGEX}` or `split: gtzan-filtered`; nil: seeded and
    /// stratified by clip (omitted from JSON then, so older records read and compare the same).
    public var splitSource: SplitSource? = nil
    public var model = ModelSpec()
    public var training = TrainConfig()
    /// The test metrics' confidence intervals (`evaluation:` in a cell); nil: `BootstrapPlan()`'s defaults.
    public var bootstrap: BootstrapPlan? = nil
    /// How a clip's segments make the clip's prediction (`evaluation: {aggregate: ...}`); nil: the
    /// mean of probabilities (omitted from JSON then).
    public var aggregate: ClipAggregate? = nil
    /// Train this many times (`repeats:`), each with seeds derived from the cell's; nil: once.
    public var repeats: Int? = nil
    /// With repeats, also draw a new stratified split for each (`resplit: true`).
    public var resplit: Bool? = nil
    /// `ablation: GROUP`: this cell is a variant in the group's comparison (the group's first cell
    /// is the reference).
    public var ablation: String? = nil
    /// Which repeat this is (0-based), on the experiments a repeated cell expands into.
    public var repeatIndex: Int? = nil
    /// A hyper-parameter search over this cell's config (`search:`); nil: train the config as it is.
    public var search: SearchSpec? = nil
    /// With `search:`, the hand-tuned cell whose test figures the report sets beside the search's.
    public var searchBaseline: String? = nil

    public init(name: String, title: String? = nil) {
        self.name = name
        self.title = title ?? name
    }

    /// What one segment gives the network: channels x bands x frames.
    public var inputShape: InputShape {
        InputShape(channels: features.channels, height: features.bands, width: segmentSpec.length)
    }

    public var segmentSpec: SegmentSpec {
        SegmentSpec.seconds(segmentSeconds, hop: segmentHopSeconds, params: features, tail: segmentTail, maxPerClip: segmentMaxPerClip)
    }

    public var repeatCount: Int { max(1, repeats ?? 1) }

    /// Whether the cell says it trains tags: `task: tagging`, or the built-in tagging set without a
    /// task (labelled data with several labels a clip is found to be tagging when it is read).
    public var declaresTagging: Bool { task == .tagging || (task == nil && data.isBuiltinTagging) }

    /// What a tagging cell cannot ask for, as (notebook key, why), or nil.
    public var taggingConflict: (key: String, message: String)? {
        if training.mixup != nil {
            return ("training.mixup", "mixup blends one class per sample; it is not defined for several tags a clip")
        }
        if let a = aggregate, a != .meanProbability {
            return ("evaluation.aggregate", "a tagging clip's score is the mean of its segments' probabilities (Won et al. 2020); "
                    + "`aggregate: \(a.rawValue)` is for one class per clip")
        }
        if search != nil { return ("search", "a search chooses by classification figures; tagging cells cannot search yet") }
        if ablation != nil { return ("ablation", "an ablation compares classification figures; tagging cells cannot be variants yet") }
        return nil
    }

    /// What decides a run's result, as `lab reproduce` matches runs for reuse (DVC's stage hash): the
    /// cell without its presentation (`title`, the `ablation` group's name, `search.baseline`).
    public var reuseKey: Experiment {
        var e = self
        e.title = ""
        e.ablation = nil
        e.searchBaseline = nil
        return e
    }

    /// This run's config with the presentation of `cell` (the notebook as it is now).
    public func presented(as cell: Experiment) -> Experiment {
        var e = self
        (e.title, e.ablation, e.searchBaseline) = (cell.title, cell.ablation, cell.searchBaseline)
        return e
    }

    /// The runs this cell asks for: itself, or one experiment per repeat. Repeat 1 keeps the cell's
    /// seeds; repeat i > 1 derives its training seed (and, with `resplit`, its split seed) from the
    /// cell's and i, so every repeat is reproducible on its own.
    public func expanded() -> [Experiment] {
        guard repeatCount > 1 else { return [self] }
        return (0..<repeatCount).map { i in
            var e = self
            e.repeatIndex = i
            if i > 0 {
                var t = SeededRNG(seed: training.seed).derived("repeat \(i)")
                e.training.seed = t.next() >> 1
                if resplit == true {
                    var s = SeededRNG(seed: splitSeed).derived("repeat \(i)")
                    e.splitSeed = s.next() >> 1
                }
            }
            return e
        }
    }

    /// This cell with one search trial's values put in, and the trial's own training seed.
    public func applying(_ params: [String: Double], seed: UInt64) -> Experiment {
        var e = self
        e.search = nil
        e.searchBaseline = nil
        e.training.seed = seed
        for p in SearchParameter.all { if let v = params[p.name] { p.apply(&e, v) } }
        return e
    }

    /// The name of this run in results.json and `lab compare`: NAME, or NAME-rI for repeat I.
    public var runName: String { repeatIndex.map { "\(name)-r\($0 + 1)" } ?? name }

    /// What this cell asks of the data under `root`, for Core's pipeline.
    public func dataPlan(root: String) -> DataPlan {
        var plan = DataPlan(root: root, classes: classes, features: features, segmentSeconds: segmentSeconds, segment: segmentSpec,
                            split: split, splitSeed: splitSeed, augment: augment, augmentSeed: training.seed)
        plan.splitSource = splitSource
        return plan
    }
}

/// A notebook: Markdown prose with fenced ```lab cells.
public struct Notebook {
    public enum Block {
        case prose(String)
        case cell(Experiment, line: Int)
    }
    public var path: String
    public var blocks: [Block]
    public var experiments: [Experiment] {
        blocks.compactMap { if case .cell(let e, _) = $0 { return e }; return nil }
    }
}
