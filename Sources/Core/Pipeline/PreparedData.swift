import Dispatch
import Foundation

/// What an experiment asks of its data: which collection and classes, the features, the segments
/// and the split. Everything `PreparedData.prepare` needs; nothing about models or records.
public struct DataPlan: Sendable {
    public var root: String
    /// nil: every class folder of the collection.
    public var classes: [String]?
    public var features: FeatureParams
    public var segmentSeconds: Double
    public var segment: SegmentSpec
    public var split: SplitFractions
    public var splitSeed: UInt64
    /// Augmented copies of the training clips (never validation or test), and their seed.
    public var augment: AugmentPlan? = nil
    public var augmentSeed: UInt64 = 0
    /// A split named by a file, by groups, or GTZAN's filtered one (nil: seeded, stratified, by clip).
    /// A file's path is absolute by now.
    public var splitSource: SplitSource? = nil

    public init(root: String, classes: [String]?, features: FeatureParams, segmentSeconds: Double, segment: SegmentSpec,
                split: SplitFractions, splitSeed: UInt64, augment: AugmentPlan? = nil, augmentSeed: UInt64 = 0) {
        self.augment = augment
        self.augmentSeed = augmentSeed
        self.root = root
        self.classes = classes
        self.features = features
        self.segmentSeconds = segmentSeconds
        self.segment = segment
        self.split = split
        self.splitSeed = splitSeed
    }
}

/// One augmented training copy, as the manifest records it.
public struct AugmentedCopy: Codable, Equatable, Sendable {
    public var clip: String
    public var copy: Int
    public var draw: AugmentDraw
}

/// A problem with what the user gave (data, a notebook, a flag), with what to do about it: one
/// line, and an optional hint. Core throws it for bad data; `lab` prints it (Lab calls it LabError).
public struct UserError: Error, CustomStringConvertible {
    public var message: String
    public var hint: String?
    public init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }
    public var description: String { hint.map { "\(message)\nhint: \($0)" } ?? message }
}

/// The user asked to stop (Ctrl-C, SIGTERM): thrown by long stages between units of work.
public struct Interrupted: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "interrupted" }
}

/// A collection cut into segment datasets for one experiment: scanning, decoding and validating
/// every clip, the split by clip, cached features, segmenting and standardisation (statistics from
/// the training segments only). Prepared once, it can train and evaluate any number of models.
public struct PreparedData: Sendable {
    public var collection: AudioCollection
    public var split: DataSplit
    public var train: Dataset, validation: Dataset, test: Dataset
    /// Index into the split's clip list, per segment, for segment-to-clip aggregation.
    public var validationClips: [Int], testClips: [Int]
    /// Clips that cannot be used (unreadable, silent, too short): skipped, listed in the manifest and report.
    public var skipped: [SkippedFile]
    public var mean: Double, std: Double
    /// Feature matrices read from the cache, and computed.
    public var cacheHits: Int, cacheMisses: Int
    /// Each augmented copy in the training set: its clip, its index and what it applied.
    public var augmented: [AugmentedCopy] = []
    /// With `split: {group_by:}`: how many groups the split dealt, and the clips the pattern left alone.
    public var grouping: GroupSummary? = nil

    /// `progress(done, total)` is called as clips are decoded (from several threads, one at a time).
    /// `shouldStop` is polled before each clip; once it says yes, the rest are skipped and
    /// `Interrupted` is thrown (features already cached stay cached).
    /// `collection`: the plan's collection when the caller has scanned it already (lab's reuse check
    /// does), so every file is hashed once.
    public static func prepare(_ plan: DataPlan, cacheDirectory: String, collection scanned: AudioCollection? = nil,
                               on context: ExecutionContext,
                               progress: @escaping (_ done: Int, _ total: Int) -> Void = { _, _ in },
                               shouldStop: @escaping () -> Bool = { false }) throws -> PreparedData {
        let collection = try scanned ?? scan(root: plan.root, classes: plan.classes)
        // Decode and validate EVERY clip before the split, and split only the clips a run can use: a
        // clip that fails here must not take a training, validation or test place.
        let cache = FeatureCache(directory: cacheDirectory)
        let extractor = LogMelExtractor(params: plan.features)
        let spec = plan.segment
        let clips = collection.clips
        // Only whether each clip is usable is kept here, not its features: the segments are cut
        // later from the cache, one clip at a time, so the collection is never held in memory.
        var usableFlags = [Bool](repeating: false, count: clips.count)
        var failures = [SkippedFile?](repeating: nil, count: clips.count)
        let lock = NSLock()
        var done = 0
        context.forEach(clips.count) { i in
            if shouldStop() { return }
            var usable = false, failure: SkippedFile?
            let path = clips[i].relativePath
            do {
                let m = try cache.logMel(for: clips[i], root: plan.root, params: plan.features, extractor: extractor)
                if let reason = ClipFeatures.unusable(m, spec: spec, segmentSeconds: plan.segmentSeconds) {
                    failure = SkippedFile(relativePath: path, reason: reason.description)
                } else {
                    usable = true
                }
            } catch let err as AudioError {
                failure = SkippedFile(relativePath: path, reason: err.reason)
            } catch {
                failure = SkippedFile(relativePath: path, reason: "\(error)")
            }
            lock.withLock {
                usableFlags[i] = usable
                failures[i] = failure
                done += 1
                progress(done, clips.count)
            }
        }
        if shouldStop() { throw Interrupted() }

        let usable = zip(clips, usableFlags).filter(\.1).map(\.0)
        let usablePaths = Set(usable.map(\.relativePath))
        let (split, leftOut, grouping) = try Self.split(usable, plan: plan)
        let tagging = usable.contains { $0.tags != nil }
        // A tag may be missing from a split: its metrics are then undefined, and the report says so.
        if !tagging { try checkEveryClassIsInEverySplit(split, usable: usable, collection: collection) }

        // The segments stream into unlinked files beside the cache, one clip's features in memory at
        // a time: peak memory stays flat as the collection grows, and the floats are the same.
        func cached(_ clip: ClipRef, augmentation: AugmentDraw? = nil) throws -> FeatureMatrix {
            do {
                return try cache.logMel(for: clip, root: plan.root, params: plan.features, extractor: extractor,
                                        augmentation: augmentation, counts: false)
            } catch let err as AudioError {
                throw UserError("\(clip.relativePath): \(err.reason) (it was readable a moment ago)")
            }
        }
        let sampleSize = plan.features.channels * plan.features.bands * spec.length
        let tagCount = collection.classes.count
        func dataset(_ sink: SegmentSink) -> Dataset {
            let samples = Samples(file: sink.file, sampleSize: sampleSize)
            if tagging {
                return Dataset(samples: samples, tags: sink.tags, tagCount: tagCount, channels: plan.features.channels,
                               height: plan.features.bands, width: spec.length)
            }
            return Dataset(samples: samples, labels: sink.labels, channels: plan.features.channels, height: plan.features.bands,
                           width: spec.length)
        }
        var train = try SegmentSink(directory: cacheDirectory, standardisation: nil, tagCount: tagging ? tagCount : nil)
        for clip in split.train { try train.append(cached(clip), spec: spec, clip: clip, index: 0) }
        // Augmented copies of the training clips, after the originals; each from its own seed and
        // cached by (audio, features, draw) like any features.
        var augmented: [AugmentedCopy] = []
        if let augment = plan.augment {
            // Each copy's draw, made once: it both builds the copy and is recorded in the manifest.
            let jobs = split.train.filter { usablePaths.contains($0.relativePath) }.flatMap { clip in
                (0..<augment.copies).map { AugmentedCopy(clip: clip.relativePath, copy: $0,
                                                         draw: augment.draw(seed: plan.augmentSeed, clip: clip.relativePath, copy: $0)) }
            }
            // Paths are unique (one folder per class, each named once), but a dictionary that traps on a
            // repeat has no place on user data: the first clip of a path wins.
            let clipsByPath = Dictionary(split.train.map { ($0.relativePath, $0) }, uniquingKeysWith: { a, _ in a })
            // Computed (and cached) in parallel; then read back one at a time, in order, below.
            var errors = [Error?](repeating: nil, count: jobs.count)
            var finished = 0
            context.forEach(jobs.count) { j in
                if shouldStop() { return }
                let job = jobs[j]
                let r = Result { try cache.logMel(for: clipsByPath[job.clip]!, root: plan.root, params: plan.features, extractor: extractor,
                                                  augmentation: job.draw) }
                lock.withLock {
                    if case .failure(let e) = r { errors[j] = e }
                    finished += 1
                    progress(clips.count + finished, clips.count + jobs.count)
                }
            }
            if shouldStop() { throw Interrupted() }
            for (j, job) in jobs.enumerated() {
                if let e = errors[j] { throw UserError("\(job.clip): augmented copy \(job.copy) failed: \(e)") }
            }
            for job in jobs {
                let clip = clipsByPath[job.clip]!
                try train.append(cached(clip, augmentation: job.draw), spec: spec, clip: clip, index: 0)
            }
            augmented = jobs
        }
        // Standardise with the training set's statistics (a fixed-order double sum over the training
        // segments as they were written: deterministic), the training file in place.
        let mean = train.sum / Double(max(train.floats, 1))
        let std = max((train.sq / Double(max(train.floats, 1)) - mean * mean).squareRoot(), 1e-6)
        let standardisation = Standardisation(mean: mean, std: std)
        try train.file.standardise(with: standardisation)
        var validation = try SegmentSink(directory: cacheDirectory, standardisation: standardisation, tagCount: train.tagCount)
        for (i, clip) in split.validation.enumerated() { try validation.append(cached(clip), spec: spec, clip: clip, index: i) }
        var test = try SegmentSink(directory: cacheDirectory, standardisation: standardisation, tagCount: train.tagCount)
        for (i, clip) in split.test.enumerated() { try test.append(cached(clip), spec: spec, clip: clip, index: i) }
        for (name, d) in [("training", train), ("validation", validation), ("test", test)] where d.segmentCount == 0 {
            throw UserError("no \(name) segments: clips are shorter than one \(plan.segmentSeconds)-s segment, or too few clips per class",
                                hint: "use more clips per class, shorter segments, or `segment: {tail: pad}`")
        }
        return PreparedData(collection: collection, split: split, train: dataset(train), validation: dataset(validation),
                            test: dataset(test),
                            validationClips: validation.clipIndex, testClips: test.clipIndex,
                            skipped: collection.skipped + failures.compactMap { $0 } + leftOut, mean: mean, std: std,
                            cacheHits: cache.hits, cacheMisses: cache.misses, augmented: augmented, grouping: grouping)
    }

    /// The plan's collection, every file hashed, with a collection problem (no such folder, a class
    /// the collection lacks) as the user's error with what to do.
    public static func scan(root: String, classes: [String]?) throws -> AudioCollection {
        do { return try AudioCollection.scan(root: root, classes: classes) } catch let err as CollectionError {
            if case .unknownClass(_, let name, let available) = err {
                throw UserError("\(err)",
                                hint: "the notebook's `classes:` names '\(name)', which this collection lacks: list classes it has "
                                    + "(\(available.joined(separator: ", "))), use `classes: all`, or start a notebook for it with "
                                    + "`lab init NOTEBOOK --data DIR`")
            }
            throw UserError("\(err)", hint: "point --data (or the cell's data:) at a folder with one sub-folder per class")
        }
    }

    /// The split the plan asks for, the clips a split file leaves out (with entries it names that
    /// the collection lacks) as skipped files, and with `group_by` the groups it found.
    static func split(_ usable: [ClipRef], plan: DataPlan) throws -> (DataSplit, [SkippedFile], GroupSummary?) {
        switch plan.splitSource {
        case nil:
            return (DataSplit.stratified(usable, fractions: plan.split, seed: plan.splitSeed), [], nil)
        case .gtzanFiltered:
            let (split, left) = DataSplit.assigned(usable, by: try SplitFile.parse(SplitFile.gtzanFiltered, source: "gtzan-filtered"),
                                                   source: "gtzan-filtered")
            return (split, left, nil)
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw UserError("\(path): no such split file", hint: "`split: {file: PATH}` names a file of `relative/path,split` lines")
            }
            let name = (path as NSString).lastPathComponent
            let (split, left) = DataSplit.assigned(usable, by: try SplitFile.parse(String(decoding: data, as: UTF8.self), source: path),
                                                   source: name)
            return (split, left, nil)
        case .metadata:
            throw UserError("`split: metadata` needs a collection described by a metadata file with a split (`data: {path, labels}`)")
        case .assigned(let source, let map):
            var names: [String: SplitName] = [:]
            for (path, s) in map { if let n = SplitName(rawValue: s) { names[SplitFile.stem(path)] = n } }
            let (split, left) = DataSplit.assigned(usable, by: names, source: source)
            return (split, left, nil)
        case .groups(let pattern):
            let keys = try GroupSummary.keys(usable.map(\.relativePath), pattern: pattern)
            let split = DataSplit.grouped(usable, fractions: plan.split,
                                          seed: plan.splitSeed) { keys.key[$0.relativePath] ?? $0.relativePath }
            return (split, [], keys.summary)
        }
    }

    /// A class left with no clip in training, validation or test (after its unusable clips are set
    /// aside) cannot be trained or measured: a clear error naming the class and its counts.
    static func checkEveryClassIsInEverySplit(_ split: DataSplit, usable: [ClipRef], collection: AudioCollection) throws {
        for (index, name) in collection.classes.enumerated() {
            let counts = [split.train, split.validation, split.test].map { $0.filter { $0.classIndex == index }.count }
            guard counts.contains(0) else { continue }
            let total = collection.clips.filter { $0.classIndex == index }.count
            let unusable = total - usable.filter { $0.classIndex == index }.count
            throw UserError("class \(name): \(counts[0])/\(counts[1])/\(counts[2]) clips for training/validation/test "
                                + "(\(total) found, \(unusable) unreadable or too short); every split needs at least one",
                                hint: "add clips to \(name)/, fix the files listed by `lab data check`, or change `split:`")
        }
    }
}

/// One split's segments as they are cut: their floats appended to a `SampleFile`, their labels (or,
/// for tagging, their clip's tags, multi-hot) and clips, and (before the statistics exist, for the
/// training split) the sums that standardise them; after, each segment is standardised as it is written.
struct SegmentSink {
    let file: SampleFile
    let standardisation: Standardisation?
    /// Tagging: how many tags a multi-hot row has; nil for one class per clip.
    let tagCount: Int?
    var labels: [Int] = [], clipIndex: [Int] = [], tags: [Bool] = []
    var sum = 0.0, sq = 0.0
    var floats: Int { file.floats }
    var segmentCount: Int { clipIndex.count }

    init(directory: String, standardisation: Standardisation?, tagCount: Int? = nil) throws {
        file = try SampleFile(directory: directory)
        self.standardisation = standardisation
        self.tagCount = tagCount
    }

    /// Every segment of `m`, labelled as `clip` is; `index` is the clip's place in its split.
    mutating func append(_ m: FeatureMatrix, spec: SegmentSpec, clip: ClipRef, index: Int) throws {
        var row: [Bool] = []
        if let tagCount {
            row = [Bool](repeating: false, count: tagCount)
            for t in clip.tags ?? [clip.classIndex] where t < tagCount { row[t] = true }
        }
        try append(m, spec: spec, label: clip.classIndex, clip: index, tags: row)
    }

    private mutating func append(_ m: FeatureMatrix, spec: SegmentSpec, label: Int, clip: Int, tags row: [Bool]) throws {
        for s in segments(of: m, spec: spec) {
            var v = s.values
            if let standardisation {
                standardisation.apply(&v)
            } else {
                for x in v { sum += Double(x); sq += Double(x) * Double(x) }
            }
            try file.append(v)
            if tagCount == nil { labels.append(label) } else { tags += row }
            clipIndex.append(clip)
        }
    }
}
