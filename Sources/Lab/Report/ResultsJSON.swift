import Core
import Foundation

/// reports/results.json: the report's numbers, machine-readable, and nothing that changes from run
/// to run on the same inputs (no run ids, no times), so it can be compared bit for bit.
public struct ResultsFile: Codable, Equatable, Sendable {
    /// One run of a cell: its RunRecord (the numbers, as metrics.json has them), and what the
    /// report adds from the notebook and the manifest. The record's fields sit beside these in the JSON.
    public struct Entry: CarriesRunRecord, Codable, Equatable, Sendable {
        public var name: String
        public var title: String
        public var config: Experiment
        /// The network built for this data: input shape, classes, parameter count.
        public var model: BuiltModel?
        public var record: RunRecord
        public var skipped: [SkippedFile]
        /// With `split: {group_by:}`: the groups and the paths left ungrouped (nil otherwise).
        public var grouping: GroupSummary? = nil
        /// SHA-256 of each figure's PNG bytes.
        public var figures: [String: String]?
        /// A `search:` cell's trials, rung tables and choice; the record is the chosen configuration's.
        public var search: SearchRecord?

        init(name: String, title: String, config: Experiment, model: BuiltModel?, record: RunRecord, skipped: [SkippedFile],
             grouping: GroupSummary?, figures: [String: String]?, search: SearchRecord? = nil) {
            (self.name, self.title, self.config, self.model, self.record) = (name, title, config, model, record)
            (self.skipped, self.grouping, self.figures, self.search) = (skipped, grouping, figures, search)
        }

        private enum CodingKeys: String, CodingKey { case name, title, config, model, skipped, grouping, figures, search }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            title = try c.decode(String.self, forKey: .title)
            config = try c.decode(Experiment.self, forKey: .config)
            model = try c.decodeIfPresent(BuiltModel.self, forKey: .model)
            skipped = try c.decode([SkippedFile].self, forKey: .skipped)
            grouping = try c.decodeIfPresent(GroupSummary.self, forKey: .grouping)
            figures = try c.decodeIfPresent([String: String].self, forKey: .figures)
            search = try c.decodeIfPresent(SearchRecord.self, forKey: .search)
            record = try RunRecord(from: decoder)
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(title, forKey: .title)
            try c.encode(config, forKey: .config)
            try c.encodeIfPresent(model, forKey: .model)
            try c.encode(skipped, forKey: .skipped)
            try c.encodeIfPresent(grouping, forKey: .grouping)
            try c.encodeIfPresent(figures, forKey: .figures)
            try c.encodeIfPresent(search, forKey: .search)
            try record.encode(to: encoder) // the record's fields beside these, as one object
        }
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
        Entry(name: manifest.experiment.runName, title: manifest.experiment.title, config: manifest.experiment, model: manifest.model,
              record: m.record, skipped: manifest.skipped, grouping: manifest.grouping, figures: figures)
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
