import Core
import Foundation

/// reports/results.json: the report's numbers, machine-readable, and nothing that changes from run
/// to run on the same inputs (no run ids, no times), so it can be compared bit for bit.
public struct ResultsFile: Codable, Equatable, Sendable {
    public struct Entry: Codable, Equatable, Sendable {
        public var name: String
        public var title: String
        public var classes: [String]
        public var fingerprint: String
        public var config: Experiment
        /// The network built for this data: input shape, classes, parameter count.
        public var model: BuiltModel?
        public var epochsRun: Int
        public var bestEpoch: Int
        public var stoppedEarly: Bool
        public var clips: [String: Int]
        public var segments: [String: Int]
        public var skipped: [SkippedFile]
        /// With `split: {group_by:}`: the groups and the paths left ungrouped (nil otherwise).
        public var grouping: GroupSummary? = nil
        public var validation: SplitMetrics
        public var test: SplitMetrics
        /// Every epoch's numbers: where a rerun diverges.
        public var history: [EpochRecord]?
        /// SHA-256 of each figure's PNG bytes.
        public var figures: [String: String]?
        /// How the test intervals were drawn, and the test clips' predictions (for paired comparisons).
        public var bootstrap: BootstrapPlan?
        public var testClips: [ClipPrediction]?
        /// A `search:` cell's trials, rung tables and choice; the metrics above are the chosen configuration's.
        public var search: SearchRecord?
    }
    public var notebook: String
    /// The machine that wrote this report. The one part `lab verify` and `lab compare` never compare.
    public var machine: MachineDescription?
    /// The engine that made the runs (`Engine.identity`, the executable's hash, as reproduce's reuse
    /// check uses it): how `lab compare` tells whether the engine changed. Never compared, as `machine`.
    public var engine: String? = nil
    public var experiments: [Entry]
    /// Each `ablation:` group's comparison (nil when the notebook has none).
    public var ablations: [AblationRecord]? = nil

    /// The figures every run draws; their hashes are part of the report.
    static let figureNames = ["loss_history.png", "matrix.png", "roc.png"]

    /// A run's entry: its metrics, and from its manifest the experiment, model, skipped files and grouping.
    static func entry(_ manifest: RunManifest, _ m: RunMetrics, figures: [String: String]? = nil) -> Entry {
        Entry(name: manifest.experiment.runName, title: manifest.experiment.title, classes: m.classes, fingerprint: m.fingerprint,
              config: manifest.experiment, model: manifest.model, epochsRun: m.epochsRun, bestEpoch: m.bestEpoch,
              stoppedEarly: m.stoppedEarly,
              clips: m.clips, segments: m.segments, skipped: manifest.skipped, grouping: manifest.grouping, validation: m.validation,
              test: m.test, history: m.history, figures: figures, bootstrap: m.bootstrap, testClips: m.testClips)
    }

    static func load(_ data: Data, source: String) throws -> ResultsFile {
        do { return try JSONCoding.decoder.decode(ResultsFile.self, from: data) } catch {
            throw LabError("\(source): not a results.json this version of lab reads (\(JSONCoding.reason(error)))",
                           hint: "an older report or a hand-edited one; `lab reproduce` writes it afresh")
        }
    }

    /// The headline numbers, flattened: what compare, log and verify look at.
    func flatMetrics() -> [(experiment: String, metric: String, value: Double?)] {
        var out: [(String, String, Double?)] = []
        for e in experiments {
            for (split, s) in [("test", e.test), ("validation", e.validation)] {
                for (level, l) in [("clip", s.clip), ("segment", s.segment)] {
                    out.append((e.name, "\(split).\(level).accuracy", l.accuracy))
                    out.append((e.name, "\(split).\(level).macro_auc", l.macroAUC))
                    out.append((e.name, "\(split).\(level).micro_auc", l.microAUC))
                    for (c, auc) in zip(e.classes, l.perClassAUC) { out.append((e.name, "\(split).\(level).auc.\(c)", auc)) }
                }
            }
        }
        return out
    }
}
