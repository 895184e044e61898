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

    /// The figures every run draws; their hashes are part of the report. A tagging run has no
    /// confusion matrix: a per-tag AUC chart and precision-recall curves instead.
    static func figureNames(tagging: Bool) -> [String] {
        tagging ? ["loss_history.png", "tags.png", "pr.png", "roc.png"] : ["loss_history.png", "matrix.png", "roc.png"]
    }

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

    /// The headline numbers, flattened: what compare, log and verify look at. A tagging run's are its
    /// macro and micro ROC-AUC and PR-AUC, each tag's, and the share of tag decisions right.
    func flatMetrics() -> [(experiment: String, metric: String, value: Double?)] {
        var out: [(String, String, Double?)] = []
        for e in experiments {
            if let t = e.tagging {
                for (split, s, levels) in [("test", t.test, e.test), ("validation", t.validation, e.validation)] {
                    for (level, r, l) in [("clip", s.clip, levels.clip), ("segment", s.segment, levels.segment)] {
                        out.append((e.name, "\(split).\(level).macro_roc_auc", r.macroROCAUC))
                        out.append((e.name, "\(split).\(level).macro_pr_auc", r.macroAveragePrecision))
                        out.append((e.name, "\(split).\(level).micro_roc_auc", r.microROCAUC))
                        out.append((e.name, "\(split).\(level).micro_pr_auc", r.microAveragePrecision))
                        out.append((e.name, "\(split).\(level).tag_accuracy", l.accuracy))
                        for (c, auc) in zip(e.classes, r.rocAUC) { out.append((e.name, "\(split).\(level).roc_auc.\(c)", auc)) }
                        for (c, ap) in zip(e.classes, r.averagePrecision) { out.append((e.name, "\(split).\(level).pr_auc.\(c)", ap)) }
                    }
                }
                continue
            }
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

extension ResultsFile.Entry {
    /// The two figures a comparison or a report's history leads with, each with its test interval
    /// and its key among `flatMetrics`: test clip accuracy and macro ROC-AUC, or for a tagging run
    /// macro ROC-AUC and macro PR-AUC.
    var headline: [(name: String, metric: String, value: Double?, interval: Interval?)] {
        if let t = self.tagging {
            return [("test macro ROC-AUC", "test.clip.macro_roc_auc", t.test.clip.macroROCAUC, t.test.intervals?.macroROCAUC),
                    ("test macro PR-AUC", "test.clip.macro_pr_auc", t.test.clip.macroAveragePrecision,
                     t.test.intervals?.macroAveragePrecision)]
        }
        let test = self.test
        return [("test clip accuracy", "test.clip.accuracy", test.clip.accuracy, test.clip.intervals?.accuracy),
                ("test macro ROC-AUC", "test.clip.macro_auc", test.clip.macroAUC, test.clip.intervals?.macroAUC)]
    }
}
