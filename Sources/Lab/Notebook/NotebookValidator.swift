import Core

/// The one validator for notebooks. A cell is checked as written, and every configuration it can
/// turn into is checked too: each repeat, and for a search the largest network its space can sample
/// (memory grows with filters, dense units and batch size, so that corner bounds every trial).
/// Across cells, an ablation group is checked as a whole and a search's baseline must exist. The
/// shape and memory arithmetic is the engine's own layer walk (`ModelConfig.problem`), not a copy.
enum NotebookValidator {
    /// Why the engine cannot train `e`, as (notebook key, message), or nil.
    static func problem(_ e: Experiment) -> (key: String, message: String)? {
        let config = ModelConfig(spec: e.model, input: e.inputShape, classes: max(2, e.classes?.count ?? e.tags?.top ?? 2))
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
            for p in SearchParameter.all where p.growsTheModel {
                if let d = spec.space[p.name] { corner[p.name] = d.largest }
            }
            if !corner.isEmpty {
                let label = "the largest trial ("
                        + corner.keys.sorted().map { "\($0) \(String(format: "%g", corner[$0]!))" }.joined(separator: ", ") + ")"
                out.append((e.applying(corner, seed: e.training.seed), label))
            }
        }
        return out
    }

    /// The rules within one cell that span several keys, then the engine's shape and memory check
    /// of every configuration the cell stands for; the first problem names its key's line.
    static func check(_ e: Experiment, keys: CellKeys) throws {
        for key in ["harmonics", "steps_per_semitone", "q"] where keys.has("features.\(key)") && !e.features.isHarmonic {
            throw keys.error("features.\(key)", "only for `kind: harmonic`")
        }
        if keys.has("split.file") {
            for key in ["train", "validation", "test", "seed", "group_by"] where keys.has("split.\(key)") {
                throw keys.error("split.\(key)", "a split file names every clip's split; it takes no `\(key)`")
            }
        }
        if e.model.kind == .shortChunkResNet && keys.has("model.batch_norm") {
            throw keys.error("model.batch_norm", "the short-chunk ResNet's blocks always have batch norm; leave batch_norm out")
        }
        if keys.has("training.schedule") && keys.has("training.lr_decay") {
            throw keys.error("training.lr_decay", "a schedule sets the learning rate per epoch; use one of schedule and lr_decay")
        }
        // Each step shrinks kernels by learning rate x decay: at 1 or more it zeroes or flips them.
        if let wd = e.training.weightDecay, wd * e.training.learningRate >= 1 {
            throw keys.error("training.weight_decay", "learning_rate x weight_decay must be below 1 (got \(wd * e.training.learningRate)); "
                             + "each step shrinks every kernel by that fraction")
        }
        if case .metadata? = e.splitSource, !e.data.isLabelled {
            throw keys.error("split", "`split: metadata` takes the split from a metadata file: it needs `data: {path: DIR, labels: FILE}`")
        }
        if e.task == .tagging && !e.data.isLabelled {
            throw keys.error("task", "tagging needs clips with tags: `data: {path: DIR, labels: FILE}` or `data: {builtin: tagging}`")
        }
        if e.task == .classification && e.data.isBuiltinTagging {
            throw keys.error("task", "the built-in tagging set gives a clip several tags: use `task: tagging`")
        }
        if keys.has("tags") {
            if !e.data.isLabelled { throw keys.error("tags", "`tags: {top: N}` keeps a metadata file's most frequent tags: it needs "
                                                     + "`data: {path: DIR, labels: FILE}` or `data: {builtin: tagging}`") }
            if e.classes != nil {
                throw keys.error("tags", "use one of `classes:` (these labels) and `tags: {top: N}` (the most frequent)")
            }
        }
        if e.declaresTagging, let conflict = e.taggingConflict { throw keys.error(conflict.key, conflict.message) }
        if keys.has("resplit") {
            if e.repeatCount < 2 { throw keys.error("resplit", "resplit needs `repeats:` of 2 or more") }
            switch e.splitSource {
            case .file?, .gtzanFiltered?, .metadata?:
                if e.resplit == true { throw keys.error("resplit",
                                                        "a split file fixes every clip's split; there is nothing to draw again") }
            default: break
            }
        }
        if e.search != nil && e.repeatCount > 1 {
            throw keys.error("repeats", "a search cell is not repeated; repeat its chosen configuration in a cell of its own")
        }
        if e.ablation != nil {
            if e.search != nil { throw keys.error("ablation", "a search cell cannot be an ablation variant") }
            if e.resplit == true {
                throw keys.error("resplit",
                                 "an ablation compares its variants on one split; `resplit: true` would give each repeat its own")
            }
        }
        for (config, label) in configurations(of: e) {
            guard let problem = problem(config) else { continue }
            let key = problem.key == "features" ? "features.\(e.features.isHarmonic ? "harmonics" : "n_mels")" : problem.key
            let message = problem.key == "segment.seconds" ? String(format: "%g s ",
                                                                    config.segmentSeconds) + problem.message : problem.message
            guard let label else {
                // The deepest key the cell wrote on the way to `key`, else the cell itself.
                let parts = key.split(separator: ".")
                let written = (1...parts.count).reversed().map { parts.prefix($0).joined(separator: ".") }.first(where: keys.has)
                throw keys.reader.error(written.flatMap(keys.node) ?? keys.cell, key, message)
            }
            throw keys.error("search.space", "\(label): " + message)
        }
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
