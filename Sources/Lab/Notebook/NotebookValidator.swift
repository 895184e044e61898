import Core

/// The one validator for notebooks. A cell is checked as written, and every configuration it can
/// turn into is checked too: each repeat, and for a search the largest network its space can sample
/// (memory grows with filters, dense units and batch size, so that corner bounds every trial).
/// Across cells, an ablation group is checked as a whole and a search's baseline must exist. The
/// shape and memory arithmetic is the engine's own layer walk (`ModelConfig.problem`), not a copy.
enum NotebookValidator {
    /// Why the engine cannot train `e`, as (notebook key, message), or nil.
    static func problem(_ e: Experiment) -> (key: String, message: String)? {
        let config = ModelConfig(spec: e.model, input: e.inputShape, classes: max(2, e.classes?.count ?? 2))
        if let p = config.problem(batch: e.training.batchSize) { return p }
        if e.features.fmin >= e.features.effectiveFmax {
            return ("features.fmin", "fmin \(e.features.fmin) Hz must lie below fmax \(e.features.effectiveFmax) Hz")
        }
        return nil
    }

    /// The configurations a cell stands for, each with a label saying which (nil: the cell itself).
    static func configurations(of e: Experiment) -> [(Experiment, String?)] {
        var out: [(Experiment, String?)] = [(e, nil)]
        if let spec = e.search {
            // The largest value of each parameter that makes the network or its batch bigger.
            var corner: [String: Double] = [:]
            for name in ["filters_scale", "dense", "batch_size"] {
                if let d = spec.space[name] { corner[name] = d.largest }
            }
            if !corner.isEmpty {
                let label = "the largest trial ("
                        + corner.keys.sorted().map { "\($0) \(String(format: "%g", corner[$0]!))" }.joined(separator: ", ") + ")"
                out.append((e.applying(corner, seed: e.training.seed), label))
            }
        }
        return out
    }

    /// Checks across the cells of a notebook; throws the first problem, naming the cell's line.
    static func validate(_ notebook: Notebook) throws {
        var cells: [(Experiment, Int)] = []
        for case .cell(let e, let line) in notebook.blocks { cells.append((e, line)) }
        func fail(_ line: Int, _ key: String, _ message: String) -> NotebookError {
            NotebookError(file: notebook.path, line: line, key: key, message: message)
        }
        // An ablation compares variants on the same test clips: same data, classes and split.
        var groups: [String: (Experiment, Int)] = [:]
        for (e, line) in cells {
            guard let group = e.ablation else { continue }
            guard let (reference, _) = groups[group] else { groups[group] = (e, line); continue }
            let differences = [
                (reference.data != e.data, "data"), (reference.classes != e.classes, "classes"),
                (reference.split != e.split || reference.splitSeed != e.splitSeed || reference.splitSource != e.splitSource, "split"),
            ].filter(\.0).map(\.1)
            if let first = differences.first {
                throw fail(line, first,
                           "ablation group '\(group)': `\(e.name)` differs from `\(reference.name)` in its "
                                   + "\(differences.joined(separator: ", ")); "
                           + "every variant of a group must use the same data, classes and split, so they are tested on the same clips")
            }
        }
        let names = Set(cells.map(\.0.name))
        for (e, line) in cells {
            guard let baseline = e.searchBaseline else { continue }
            guard names.contains(baseline), baseline != e.name else {
                throw fail(line, "search.baseline",
                           "no other cell named '\(baseline)' in this notebook (cells: \(cells.map(\.0.name).joined(separator: ", ")))")
            }
        }
    }
}

extension SearchDistribution {
    /// The largest value this distribution can draw.
    var largest: Double {
        switch self {
        case .uniform(_, let high), .logUniform(_, let high): return high
        case .choice(let values): return values.max() ?? 0
        }
    }
}
