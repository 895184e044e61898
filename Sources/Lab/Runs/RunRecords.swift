import Core
import Crypto
import Foundation

/// `submitted`: a search whose trials run as separate processes (Slurm jobs, `lab search run`);
/// `lab search collect` (or `lab reproduce`) finishes it.
public enum RunStatus: String, Codable, Sendable { case running, complete, failed, interrupted, submitted }

/// manifest.json: what a run is, where its data came from, and how it ended.
public struct RunManifest: Codable, Sendable {
    public var runID: String
    public var experiment: Experiment
    public var status: RunStatus
    public var gitCommit: String?
    public var gitDirty: Bool?
    public var toolkitVersion: String
    public var dataRoot: String
    public var fingerprint: String?
    public var classes: [String]
    public var skipped: [SkippedFile]
    /// Every augmented training copy and what it applied (nil: no `augment:`).
    public var augmented: [AugmentedCopy]? = nil
    /// With `split: {group_by:}`: the groups the split dealt and the paths the pattern did not match.
    public var grouping: GroupSummary? = nil
    public var seed: UInt64
    public var threads: Int
    public var startTime: String
    public var endTime: String?
    public var error: String?
    public var command: String
    /// The machine, OS, toolchain and numeric libraries the run was made with.
    public var machine: MachineDescription?
    /// Where a resumed run continued, in order (its first epochs ran on `machine`).
    public var resumedOn: [MachineDescription]?
    /// The network actually built: the cell's `model:` for this data's input shape and classes.
    public var model: BuiltModel?
    /// The process that is (or was) writing this run, and its host: a run left "running" by a
    /// process that no longer exists was killed, and `lab reproduce` resumes it.
    public var pid: Int32?
    public var host: String?
    /// The engine that made the run (`Engine.identity`): a complete run is reused only by the same one.
    public var engine: String?

    /// The status as a person should read it: "running" whose process is gone is "interrupted (process gone)".
    public var displayStatus: String {
        isOrphaned ? "interrupted (process gone)" : status.rawValue
    }

    /// Marked running, on this host, by a process that no longer exists (killed, or the machine went down).
    public var isOrphaned: Bool {
        guard status == .running, let pid, host == ProcessInfo.processInfo.hostName else { return false }
        return pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH
    }
}

/// Which engine made a run: the toolkit version and a hash of the `lab` executable itself, so any
/// change to the code that computes the numbers gives a different identity and a rerun.
public enum Engine {
    public static let identity: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let digest = FileManager.default.contents(atPath: exe).map { SHA256.hash(data: $0).prefix(8).map { String(format: "%02x",
                $0) }.joined() }
        return "lab \(LabVersion.string) \(digest ?? "unknown")"
    }()
}

/// The network a run built: input shape (channels, mel bands, frames), classes, parameter count.
public struct BuiltModel: Codable, Equatable, Sendable {
    public var inputShape: [Int]
    public var classes: Int
    public var parameters: Int

    init(_ model: Model) {
        let input = model.config.input
        inputShape = [input.channels, input.height, input.width]
        classes = model.config.classes
        parameters = model.parameterCount
    }
}

/// One level (segments or clips) of one split, in the form reports and comparisons read.
public struct LevelMetrics: Codable, Equatable, Sendable {
    public var count: Int
    public var accuracy: Double
    public var macroAUC: Double?
    public var microAUC: Double?
    public var perClassAUC: [Double?]
    public var confusion: [[Int]]
    /// Confidence intervals of the numbers above (test split only), drawn as the run's `bootstrap` says.
    public var intervals: LevelIntervals?

    init(_ r: ClassificationReport, intervals: LevelIntervals? = nil) {
        self.intervals = intervals
        count = r.count
        accuracy = r.accuracy
        macroAUC = r.macroAUC
        microAUC = r.microAUC
        perClassAUC = r.perClassAUC
        confusion = r.confusion.counts
    }
}

extension LevelMetrics {
    /// A tagging run's level in the form every report reads: ROC-AUC per tag, macro and micro, and
    /// the share of (item, tag) decisions right at 0.5 as its accuracy; no confusion matrix.
    init(tagging r: TaggingReport, accuracy: Double, count: Int) {
        self.count = count
        self.accuracy = accuracy
        macroAUC = r.macroROCAUC
        microAUC = r.microROCAUC
        perClassAUC = r.rocAUC
        confusion = []
        intervals = nil
    }
}

/// One split of a tagging run: per tag ROC-AUC, PR-AUC (average precision) and positives, macro
/// and micro, per segment and per clip; the test clips' macro figures with their intervals.
public struct TaggingSplitMetrics: Codable, Equatable, Sendable {
    public var segment: TaggingReport
    public var clip: TaggingReport
    public var intervals: TaggingIntervals?
}

/// What a tagging run measured beyond the levels every run has.
public struct TaggingRecord: Codable, Equatable, Sendable {
    /// Per tag (in `classes` order): how many training clips carry it. A tag on none could not be learnt.
    public var trainingClips: [Int]
    public var validation: TaggingSplitMetrics
    public var test: TaggingSplitMetrics

    /// The tags no training clip carries, by name.
    func untrained(_ tags: [String]) -> [String] { zip(tags, trainingClips).filter { $0.1 == 0 }.map(\.0) }
}

public struct SplitMetrics: Codable, Equatable, Sendable {
    public var segment: LevelMetrics
    public var clip: LevelMetrics
}

/// What one run measured: the one record of a run's numbers. metrics.json holds it (with the run's
/// training time and input standardisation), and the report's results.json entry holds it (with the
/// cell's name, config and figures); both write its fields at the top level, as they always have.
/// Everything here is deterministic.
public struct RunRecord: Codable, Equatable, Sendable {
    public var classes: [String]
    public var fingerprint: String
    public var validation: SplitMetrics
    public var test: SplitMetrics
    public var epochsRun: Int
    public var bestEpoch: Int
    public var stoppedEarly: Bool
    public var clips: [String: Int]
    public var segments: [String: Int]
    /// Every epoch's deterministic numbers (wall time left out), so a rerun can say where it diverged.
    public var history: [EpochRecord]?
    /// How the test metrics' intervals were drawn.
    public var bootstrap: BootstrapPlan?
    /// Each test clip's true class and clip-level probabilities: what `lab compare` pairs two runs on.
    public var testClips: [ClipPrediction]?
    /// A tagging run's per-tag figures (nil for one class per clip, and then left out of the JSON).
    public var tagging: TaggingRecord? = nil
}

/// A type that carries a RunRecord reads its fields as its own (`entry.test.clip.accuracy`).
@dynamicMemberLookup
public protocol CarriesRunRecord {
    var record: RunRecord { get set }
}

extension CarriesRunRecord {
    public subscript<T>(dynamicMember keyPath: WritableKeyPath<RunRecord, T>) -> T {
        get { record[keyPath: keyPath] }
        set { record[keyPath: keyPath] = newValue }
    }
}

/// metrics.json: the run's record, plus what only the run folder keeps. Everything is deterministic
/// except `trainingSeconds`.
public struct RunMetrics: CarriesRunRecord, Codable, Equatable, Sendable {
    public var experiment: String
    public var record: RunRecord
    public var trainingSeconds: Double
    /// Inputs were standardised with the training segments' mean and standard deviation (dB).
    public var inputMean: Double?
    public var inputStd: Double?

    public init(experiment: String, record: RunRecord, trainingSeconds: Double, inputMean: Double?, inputStd: Double?) {
        self.experiment = experiment
        self.record = record
        self.trainingSeconds = trainingSeconds
        self.inputMean = inputMean
        self.inputStd = inputStd
    }

    private enum CodingKeys: String, CodingKey { case experiment, trainingSeconds, inputMean, inputStd }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        experiment = try c.decode(String.self, forKey: .experiment)
        trainingSeconds = try c.decode(Double.self, forKey: .trainingSeconds)
        inputMean = try c.decodeIfPresent(Double.self, forKey: .inputMean)
        inputStd = try c.decodeIfPresent(Double.self, forKey: .inputStd)
        record = try RunRecord(from: decoder)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(experiment, forKey: .experiment)
        try c.encode(trainingSeconds, forKey: .trainingSeconds)
        try c.encodeIfPresent(inputMean, forKey: .inputMean)
        try c.encodeIfPresent(inputStd, forKey: .inputStd)
        try record.encode(to: encoder) // the record's fields beside these, as one object
    }
}

/// A run directory under target/: every file written atomically (temporary name, then rename).
public struct RunDirectory {
    public let id: String
    public let path: String

    public static func create(targetDirectory: String, startedAt: Date) throws -> RunDirectory {
        try FileManager.default.createDirectory(atPath: targetDirectory, withIntermediateDirectories: true)
        let base = String(Int(startedAt.timeIntervalSince1970))
        var id = base, n = 0
        // mkdir is atomic: whoever creates the directory owns the id. Only "exists" means try the
        // next id; any other failure (read-only or full disk, permissions) is the user's to see.
        while mkdir((targetDirectory as NSString).appendingPathComponent(id), 0o755) != 0 {
            guard errno == EEXIST else {
                throw LabError("\((targetDirectory as NSString).appendingPathComponent(id)): cannot create the run folder "
                        + "(\(String(cString: strerror(errno))))",
                               hint: "lab writes its runs under target/: check that it is writable and the disk is not full")
            }
            n += 1
            id = "\(base)-\(n)"
        }
        return RunDirectory(id: id, path: (targetDirectory as NSString).appendingPathComponent(id))
    }

    public init(id: String, path: String) {
        self.id = id
        self.path = path
    }

    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    public func write(_ data: Data, to name: String) throws {
        try data.write(to: URL(fileURLWithPath: file(name)), options: .atomic)
    }

    public func writeJSON<T: Encodable>(_ value: T, to name: String) throws {
        try write(JSONCoding.encode(value), to: name)
    }

    /// Records how a run ended (interrupted, failed or complete) and when, in its manifest.
    func end(_ manifest: inout RunManifest, as status: RunStatus, error: Error? = nil) throws {
        manifest.status = status
        manifest.error = error.map { "\($0)" }
        manifest.endTime = isoNow()
        try writeJSON(manifest, to: "manifest.json")
    }

    public func readManifest() throws -> RunManifest {
        guard let d = FileManager.default.contents(atPath: file("manifest.json")) else {
            throw LabError("\(file("manifest.json")): no such run manifest", hint: "`lab runs` lists the runs")
        }
        return try JSONCoding.decode(RunManifest.self, from: d, source: file("manifest.json"), what: "run manifest")
    }

    public func readMetrics() throws -> RunMetrics? {
        guard let d = FileManager.default.contents(atPath: file("metrics.json")) else { return nil }
        return try JSONCoding.decode(RunMetrics.self, from: d, source: file("metrics.json"), what: "run metrics file")
    }
}
