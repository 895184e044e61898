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
        public var validation: SplitMetrics
        public var test: SplitMetrics
        /// Every epoch's numbers: where a rerun diverges.
        public var history: [EpochSummary]?
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
    public var experiments: [Entry]
    /// Each `ablation:` group's comparison (nil when the notebook has none).
    public var ablations: [AblationRecord]? = nil

    /// The figures every run draws; their hashes are part of the report.
    static let figureNames = ["loss_history.png", "matrix.png", "roc.png"]

    static func entry(_ e: Experiment, _ m: RunMetrics, model: BuiltModel?, skipped: [SkippedFile], figures: [String: String]? = nil) -> Entry {
        Entry(name: e.runName, title: e.title, classes: m.classes, fingerprint: m.fingerprint, config: e, model: model, epochsRun: m.epochsRun,
              bestEpoch: m.bestEpoch, stoppedEarly: m.stoppedEarly, clips: m.clips, segments: m.segments, skipped: skipped,
              validation: m.validation, test: m.test, history: m.history, figures: figures, bootstrap: m.bootstrap,
              testClips: m.testClips)
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
