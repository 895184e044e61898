import Core
import Foundation
import Yams

/// A notebook error names the file, the line and, for cell contents, the key.
public struct NotebookError: Error, CustomStringConvertible, Equatable {
    public var file: String, line: Int, key: String?, message: String
    /// The column too, where it is known (a YAML syntax error): `file:line:column:` as compilers print it.
    public var column: Int? = nil
    public var description: String {
        "\(file):\(line):" + (column.map { "\($0):" } ?? "") + " " + (key.map { "\($0): " } ?? "") + message
    }
}

/// Parses `results.lab.md`: prose is kept verbatim; every ```lab fence is a YAML experiment cell.
public enum NotebookParser {
    public static func load(path: String) throws -> Notebook {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LabError("\(path): no such notebook", hint: "lab reproduce results reads reports/results.lab.md")
        }
        return try parse(String(decoding: data, as: UTF8.self), file: path)
    }

    public static func parse(_ text: String, file: String) throws -> Notebook {
        var blocks: [Notebook.Block] = []
        var prose: [String] = []
        var cell: [String]? = nil
        var cellLine = 0
        var names = Set<String>()
        let lines = text.components(separatedBy: "\n")
        for (i, line) in lines.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if cell == nil, trimmed.hasPrefix("```lab") {
                blocks.append(.prose(prose.joined(separator: "\n")))
                prose = []
                cell = []
                cellLine = i + 1
            } else if cell != nil, trimmed == "```" {
                let e = try parseCell(cell!.joined(separator: "\n"), file: file, firstLine: cellLine + 1)
                guard names.insert(e.name).inserted else {
                    throw NotebookError(file: file, line: cellLine, key: "name", message: "duplicate experiment name '\(e.name)'")
                }
                blocks.append(.cell(e, line: cellLine))
                cell = nil
            } else if cell != nil {
                cell!.append(line)
            } else {
                prose.append(line)
            }
        }
        if cell != nil { throw NotebookError(file: file, line: cellLine, key: nil, message: "```lab cell is never closed") }
        blocks.append(.prose(prose.joined(separator: "\n")))
        let notebook = Notebook(path: file, blocks: blocks)
        try NotebookValidator.validate(notebook)
        return notebook
    }

    /// libyaml's own words, at the notebook's own line and column: the problem where libyaml found
    /// it, and the construct it was reading (an unclosed `{` names the line it opened on).
    static func yamlError(_ e: YamlError, file: String, firstLine: Int) -> NotebookError {
        func line(_ m: Mark) -> Int { firstLine + m.line - 1 }
        switch e {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            var message = "not valid YAML: \(problem)"
            if let c = context {
                message += " (\(c.text), which starts at line \(line(c.mark)), column \(c.mark.column))"
            }
            return NotebookError(file: file, line: line(mark), key: nil, message: message, column: mark.column)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return NotebookError(file: file, line: line(context.mark), key: nil,
                                 message: "not valid YAML: the key\(duplicates.count == 1 ? "" : "s") "
                                         + "\(duplicates.joined(separator: ", ")) "
                                     + "appear\(duplicates.count == 1 ? "s" : "") twice in one mapping", column: context.mark.column)
        default:
            let oneLine = "\(e)".split(whereSeparator: \.isNewline).first.map(String.init) ?? "\(e)"
            return NotebookError(file: file, line: firstLine, key: nil, message: "not valid YAML: \(oneLine)")
        }
    }

    static func parseCell(_ yaml: String, file: String, firstLine: Int) throws -> Experiment {
        let node: Node
        do {
            guard let n = try Yams.compose(yaml: yaml) else {
                throw NotebookError(file: file, line: firstLine, key: nil, message: "empty cell: it needs at least `name:`")
            }
            node = n
        } catch let e as YamlError {
            throw yamlError(e, file: file, firstLine: firstLine)
        }
        let r = CellReader(file: file, firstLine: firstLine)
        let top = try r.mapping(node, "cell", allowed: ["name", "title", "data", "classes", "features", "augment", "segment", "split",
                                                        "model", "training", "evaluation", "repeats", "resplit", "search", "ablation",
                                                        "task", "tags"])
        guard let nameNode = top["name"] else { throw r.error(node, "name", "every cell needs a name") }
        let name = try r.string(nameNode, "name")
        guard name.range(of: "^[a-z0-9][a-z0-9-]*$", options: .regularExpression) != nil else {
            throw r.error(nameNode, "name", "use lowercase letters, digits and '-' (got \"\(name)\")")
        }
        var e = Experiment(name: name, title: try top["title"].map { try r.string($0, "title") })
        if let v = top["data"] { try readData(v, into: &e, reader: r) }
        if let v = top["classes"] { try readClasses(v, into: &e, reader: r) }
        if let v = top["task"] {
            guard let t = LearningTask(rawValue: try r.string(v, "task")) else {
                throw r.error(v, "task", "expected classification or tagging")
            }
            e.task = t
        }
        if let v = top["tags"] {
            let m = try r.mapping(v, "tags", allowed: ["top"])
            guard let n = m["top"] else { throw r.error(v, "tags", "expected `{top: N}`, the N most frequent tags") }
            e.tags = TagSelection(top: try r.int(n, "tags.top", min: 1, max: 10_000))
        }
        if let v = top["features"] { try readFeatures(v, into: &e, reader: r) }
        if let v = top["segment"] { try readSegment(v, into: &e, reader: r) }
        if let v = top["split"] { try readSplit(v, into: &e, reader: r) }
        if let v = top["model"] { try readModel(v, into: &e, reader: r) }
        if let v = top["training"] { try readTraining(v, into: &e, reader: r) }
        if let v = top["search"] { try parseSearch(v, into: &e, reader: r) }
        if let v = top["repeats"] { e.repeats = try r.int(v, "repeats", min: 1, max: 100) }
        if let v = top["resplit"] { e.resplit = try r.bool(v, "resplit") }
        if let v = top["evaluation"] { try readEvaluation(v, into: &e, reader: r) }
        if let a = top["augment"] { (e.augment, e.training.specMask) = try parseAugment(a, reader: r) }
        if let v = top["ablation"] { e.ablation = try r.string(v, "ablation") }
        try NotebookValidator.check(e, keys: CellKeys(top: top, cell: node, reader: r))
        return e
    }

    /// `data: DIR`, `data: builtin`, `{path}`, `{path, labels, subset}`, `{clips_per_genre, seconds, seed}`
    /// or `{builtin: tagging, clips, seconds, seed}`.
    private static func readData(_ d: Node, into e: inout Experiment, reader r: CellReader) throws {
        if let s = d.scalar?.string, s != "builtin" {
            e.data = .path(s)
        } else if d.mapping != nil {
            let m = try r.mapping(d, "data", allowed: ["builtin", "clips_per_genre", "clips", "seconds", "seed", "path", "labels",
                                                       "subset"])
            let builtin = try m["builtin"].map { try r.string($0, "data.builtin") }
            if let builtin, !["genres", "tagging", "true", "yes"].contains(builtin) {
                throw r.error(m["builtin"]!, "data.builtin", "expected genres or tagging, not \(builtin)")
            }
            if let c = m["clips"], builtin != "tagging" {
                throw r.error(c, "data.clips", "`clips` sizes the built-in tagging set (`builtin: tagging`); the genre set takes "
                                + "`clips_per_genre`")
            }
            if builtin == "tagging" {
                for key in ["clips_per_genre", "path", "labels", "subset"] where m[key] != nil {
                    throw r.error(m[key]!, "data.\(key)", "the built-in tagging set takes `clips`, `seconds` and `seed` only")
                }
                e.data = .builtinTagging(clips: try m["clips"].map { try r.int($0, "data.clips", min: 4, max: 100_000) } ?? 300,
                                         seconds: try m["seconds"].map { try r.double($0, "data.seconds", min: 1, max: 3600) } ?? 10,
                                         seed: UInt64(try m["seed"].map { try r.int($0, "data.seed", min: 0) } ?? 1))
            } else if let l = m["labels"] {
                guard let p = m["path"] else { throw r.error(l, "data.labels",
                                                             "a labels file needs `path:`, the audio root its paths are under") }
                let subset = try m["subset"].map { try r.string($0, "data.subset") }
                if let subset, !["small", "medium", "large"].contains(subset) {
                    throw r.error(m["subset"]!, "data.subset", "FMA's subsets are small, medium and large, not \(subset)")
                }
                e.data = .labelled(path: try r.string(p, "data.path"), labels: try r.string(l, "data.labels"), subset: subset)
            } else if let s = m["subset"] {
                throw r.error(s, "data.subset", "`subset` chooses from an FMA tracks.csv: give `labels:` too")
            } else if let p = m["path"] { e.data = .path(try r.string(p, "data.path")) } else {
                e.data = .builtin(clipsPerGenre: try m["clips_per_genre"].map { try r.int($0, "data.clips_per_genre", min: 1,
                        max: 10_000) } ?? 30,
                                  seconds: try m["seconds"].map { try r.double($0, "data.seconds", min: 1, max: 3600) } ?? 10,
                                  seed: UInt64(try m["seed"].map { try r.int($0, "data.seed", min: 0) } ?? 1))
            }
        }
    }

    /// `classes: all` or a list of two or more class folders, each named once.
    private static func readClasses(_ c: Node, into e: inout Experiment, reader r: CellReader) throws {
        if c.scalar?.string == "all" { e.classes = nil } else {
            guard let seq = c.sequence else { throw r.error(c, "classes", "expected a list of class names or `all`") }
            var names: [String] = []
            for item in seq {
                let name = try r.string(item, "classes")
                // One class folder, one label: a class named twice would give its clips two labels.
                guard !names.contains(name) else { throw r.error(item, "classes", "'\(name)' is named twice; name each class once") }
                names.append(name)
            }
            e.classes = names
            if names.count < 2 { throw r.error(c, "classes", "name at least two classes") }
        }
    }

    /// `features: {kind, sr, n_fft, hop_length, n_mels, fmin, fmax, top_db, mel_scale, harmonics, ...}`.
    private static func readFeatures(_ f: Node, into e: inout Experiment, reader r: CellReader) throws {
        let m = try r.mapping(f, "features", allowed: ["kind", "sr", "n_fft", "hop_length", "n_mels", "fmin", "fmax", "top_db",
                                                             "mel_scale", "harmonics", "steps_per_semitone", "q"])
        if let v = m["kind"] {
            guard let k = FeatureKind(rawValue: try r.string(v, "features.kind")) else { throw r.error(v, "features.kind",
                    "expected mel or harmonic") }
            e.features.kind = k == .mel ? nil : k
        }
        if let v = m["harmonics"] { e.features.harmonics = try r.int(v, "features.harmonics", min: 1, max: 16) }
        if let v = m["steps_per_semitone"] { e.features.stepsPerSemitone = try r.int(v, "features.steps_per_semitone", min: 1, max: 8) }
        if let v = m["q"] { e.features.harmonicQ = try r.double(v, "features.q", min: 0.1, max: 10) }
        if let v = m["sr"] { e.features.sampleRate = try r.int(v, "features.sr", min: 1000, max: 384_000) }
        if let v = m["n_fft"] { e.features.nFFT = try r.int(v, "features.n_fft", min: 16, max: 65_536) }
        if let v = m["hop_length"] { e.features.hopLength = try r.int(v, "features.hop_length", min: 1, max: 65_536) }
        if let v = m["n_mels"] { e.features.nMels = try r.int(v, "features.n_mels", min: 1, max: 1024) }
        if let v = m["fmin"] { e.features.fmin = try r.double(v, "features.fmin", min: 0, max: 192_000) }
        if let v = m["fmax"] { e.features.fmax = try r.double(v, "features.fmax", min: 1, max: 192_000) }
        if let v = m["top_db"] { e.features.topDB = v.scalar?.string == "null" ? nil : try r.double(v, "features.top_db", min: 1,
                max: 1000) }
        if let v = m["mel_scale"] {
            guard let s = MelScale(rawValue: try r.string(v, "features.mel_scale")) else { throw r.error(v, "features.mel_scale",
                    "expected slaney or htk") }
            e.features.melScale = s
        }
    }

    /// `segment: {seconds, hop, tail, max_per_clip}`.
    private static func readSegment(_ s: Node, into e: inout Experiment, reader r: CellReader) throws {
        let m = try r.mapping(s, "segment", allowed: ["seconds", "hop", "tail", "max_per_clip"])
        if let v = m["seconds"] { e.segmentSeconds = try r.double(v, "segment.seconds", min: 0.05, max: 3600) }
        // Without `hop:` the hop stays at its documented default (1 s), whatever else the mapping sets.
        if let v = m["hop"] { e.segmentHopSeconds = try r.double(v, "segment.hop", min: 0.01, max: 3600) }
        if let v = m["tail"] {
            guard let t = SegmentTail(rawValue: try r.string(v, "segment.tail")) else { throw r.error(v, "segment.tail",
                    "expected drop or pad") }
            e.segmentTail = t
        }
        if let v = m["max_per_clip"] {
            e.segmentMaxPerClip = v.scalar?.string == "null" ? nil : try r.int(v, "segment.max_per_clip", min: 1, max: 100_000)
        }
    }

    /// `split: gtzan-filtered`, or `{train, validation, test, seed}`, `{file: PATH}`, `{group_by: REGEX}`.
    private static func readSplit(_ s: Node, into e: inout Experiment, reader r: CellReader) throws {
        if s.scalar != nil {
            switch s.scalar?.string {
            case "gtzan-filtered": e.splitSource = .gtzanFiltered
            case "metadata": e.splitSource = .metadata
            default:
                throw r.error(s, "split", "expected gtzan-filtered, metadata, or a mapping such as {train: 0.7, validation: 0.15, test: "
                                      + "0.15}, {file: PATH} or {group_by: REGEX}")
            }
        } else {
            let m = try r.mapping(s, "split", allowed: ["train", "validation", "test", "seed", "file", "group_by"])
            if let v = m["file"] {
                let path = try r.string(v, "split.file")
                guard !path.isEmpty else { throw r.error(v, "split.file", "name a file of `relative/path,split` lines") }
                e.splitSource = .file(path)
            }
            if let v = m["group_by"] {
                let pattern = try r.string(v, "split.group_by")
                do { _ = try NSRegularExpression(pattern: pattern) } catch {
                    throw r.error(v, "split.group_by", "\"\(pattern)\" is not a valid regular expression")
                }
                e.splitSource = .groups(pattern: pattern)
            }
            if let v = m["train"] { e.split.train = try r.double(v, "split.train", min: 0.01, max: 1) }
            if let v = m["validation"] { e.split.validation = try r.double(v, "split.validation", min: 0.01, max: 1) }
            if let v = m["test"] { e.split.test = try r.double(v, "split.test", min: 0.01, max: 1) }
            if let v = m["seed"] { e.splitSeed = UInt64(try r.int(v, "split.seed", min: 0)) }
        }
    }

    /// `model: {kind, filters, batch_norm, dropout, dense, head}`.
    private static func readModel(_ s: Node, into e: inout Experiment, reader r: CellReader) throws {
        let m = try r.mapping(s, "model", allowed: ["kind", "filters", "batch_norm", "dropout", "dense", "head"])
        if let v = m["kind"] {
            guard let k = ModelKind(rawValue: try r.string(v, "model.kind")) else {
                throw r.error(v, "model.kind", "expected cnn or short-chunk-resnet")
            }
            e.model.kind = k == .cnn ? nil : k
        }
        if let v = m["head"] {
            guard let h = HeadPooling(rawValue: try r.string(v, "model.head")) else {
                throw r.error(v, "model.head", "expected flatten, avg, max or avgmax (pooling over time)")
            }
            e.model.head = h == (e.model.kind ?? .cnn).defaultHead ? nil
                    : h // the default head is stored as nil, so both spellings hash alike
        }
        if let v = m["filters"] {
            guard let seq = v.sequence, !seq.isEmpty else { throw r.error(v, "model.filters", "expected a list such as [32, 64, 128]") }
            guard seq.count <= 12 else { throw r.error(v, "model.filters", "at most 12 blocks, got \(seq.count)") }
            e.model.filters = try seq.map { try r.int($0, "model.filters", min: 1, max: 4096) }
        }
        if let v = m["batch_norm"] { e.model.batchNorm = try r.bool(v, "model.batch_norm") }
        if let v = m["dropout"] { e.model.dropout = try r.double(v, "model.dropout", min: 0, max: 0.95) }
        if let v = m["dense"] { e.model.denseUnits = try r.int(v, "model.dense", min: 1, max: 65_536) }
    }

    /// `training: {epochs, batch_size, learning_rate, optimizer, momentum, patience, lr_decay, seed, mixup, weight_decay, schedule}`.
    private static func readTraining(_ s: Node, into e: inout Experiment, reader r: CellReader) throws {
        let m = try r.mapping(s, "training", allowed: ["epochs", "batch_size", "learning_rate", "optimizer", "momentum", "patience",
                                                       "lr_decay", "seed",
                                                       "mixup", "weight_decay", "schedule"])
        if let v = m["mixup"] { e.training.mixup = try r.double(v, "training.mixup", min: 0.01, max: 100) }
        if let v = m["weight_decay"] { e.training.weightDecay = try r.double(v, "training.weight_decay", min: 0, max: 10) }
        if let v = m["schedule"] { e.training.schedule = try parseSchedule(v, reader: r) }
        if let v = m["epochs"] { e.training.epochs = try r.int(v, "training.epochs", min: 1, max: 100_000) }
        if let v = m["batch_size"] { e.training.batchSize = try r.int(v, "training.batch_size", min: 1, max: 65_536) }
        if let v = m["learning_rate"] { e.training.learningRate = try r.double(v, "training.learning_rate", min: 1e-9, max: 10) }
        if let v = m["optimizer"] {
            guard let o = OptimizerKind(rawValue: try r.string(v, "training.optimizer")) else { throw r.error(v, "training.optimizer",
                    "expected adam or sgd") }
            e.training.optimizer = o
        }
        if let v = m["momentum"] { e.training.momentum = try r.double(v, "training.momentum", min: 0, max: 1) }
        if let v = m["patience"] { e.training.patience = v.scalar?.string == "null" ? nil : try r.int(v, "training.patience", min: 1,
                max: 100_000) }
        if let v = m["lr_decay"] { e.training.lrDecay = try r.double(v, "training.lr_decay", min: 0.01, max: 1) }
        if let v = m["seed"] { e.training.seed = UInt64(try r.int(v, "training.seed", min: 0)) }
    }

    /// `evaluation: {bootstrap_resamples, bootstrap_seed, aggregate}`.
    private static func readEvaluation(_ s: Node, into e: inout Experiment, reader r: CellReader) throws {
        let m = try r.mapping(s, "evaluation", allowed: ["bootstrap_resamples", "bootstrap_seed", "aggregate"])
        if let v = m["aggregate"] {
            guard let a = ClipAggregate(rawValue: try r.string(v, "evaluation.aggregate")) else {
                throw r.error(v, "evaluation.aggregate", "expected mean, mean_logits or max")
            }
            e.aggregate = a == .meanProbability ? nil : a
        }
        var plan = BootstrapPlan()
        if let v = m["bootstrap_resamples"] { plan.resamples = try r.int(v, "evaluation.bootstrap_resamples", min: 100, max: 100_000) }
        if let v = m["bootstrap_seed"] { plan.seed = UInt64(try r.int(v, "evaluation.bootstrap_seed", min: 0)) }
        if m["bootstrap_resamples"] != nil || m["bootstrap_seed"] != nil { e.bootstrap = plan }
    }

    /// `augment: {copies, noise: {snr_db: [lo, hi]}, pitch: {semitones: [...]}, stretch: {factor: [lo, hi]},
    /// spec_mask: {time: [max_width, count], freq: [max_width, count]}}`: the audio copies (nil without
    /// noise, pitch or stretch) and SpecAugment's masks, which the trainer applies to each batch.
    private static func parseAugment(_ node: Node, reader r: CellReader) throws -> (AugmentPlan?, SpecMask?) {
        let m = try r.mapping(node, "augment", allowed: ["copies", "noise", "pitch", "stretch", "spec_mask"])
        var mask: SpecMask? = nil
        if let s = m["spec_mask"] {
            let sm = try r.mapping(s, "augment.spec_mask", allowed: ["time", "freq"])
            guard !sm.isEmpty else { throw r.error(s, "augment.spec_mask",
                                                   "name time: [max_width, count], freq: [max_width, count] or both") }
            func pair(_ key: String) throws -> (Int, Int) {
                guard let v = sm[key] else { return (0, 0) }
                let name = "augment.spec_mask.\(key)"
                guard let seq = v.sequence, seq.count == 2 else { throw r.error(v, name, "expected [max_width, count], e.g. [20, 2]") }
                return (try r.int(seq[0], name, min: 1, max: 100_000), try r.int(seq[1], name, min: 1, max: 16))
            }
            let (tw, tc) = try pair("time"), (fw, fc) = try pair("freq")
            mask = SpecMask(timeWidth: tw, timeCount: tc, freqWidth: fw, freqCount: fc)
        }
        guard m.keys.contains(where: { $0 != "spec_mask" }) else { return (nil, mask) }
        var plan = AugmentPlan()
        if let v = m["copies"] { plan.copies = try r.int(v, "augment.copies", min: 1, max: 16) }
        func range(_ node: Node, _ key: String, min: Double, max: Double) throws -> [Double] {
            guard let seq = node.sequence, seq.count == 2 else { throw r.error(node, key, "expected [low, high]") }
            let pair = try seq.map { try r.double($0, key, min: min, max: max) }
            guard pair[0] <= pair[1] else { throw r.error(node, key, "low \(pair[0]) is above high \(pair[1])") }
            return pair
        }
        if let n = m["noise"] {
            let nm = try r.mapping(n, "augment.noise", allowed: ["snr_db"])
            guard let v = nm["snr_db"] else { throw r.error(n, "augment.noise", "needs snr_db: [low, high]") }
            plan.noiseSNR = try range(v, "augment.noise.snr_db", min: -20, max: 120)
        }
        if let p = m["pitch"] {
            let pm = try r.mapping(p, "augment.pitch", allowed: ["semitones"])
            guard let v = pm["semitones"], let seq = v.sequence, !seq.isEmpty else {
                throw r.error(p, "augment.pitch", "needs semitones: a list of whole semitones, e.g. [-2, -1, 1, 2]")
            }
            plan.semitones = try seq.map { try r.int($0, "augment.pitch.semitones", min: -12, max: 12) }
        }
        if let t = m["stretch"] {
            let tm = try r.mapping(t, "augment.stretch", allowed: ["factor"])
            guard let v = tm["factor"] else { throw r.error(t, "augment.stretch", "needs factor: [low, high], e.g. [0.9, 1.1]") }
            plan.stretch = try range(v, "augment.stretch.factor", min: 0.5, max: 2)
        }
        guard plan.noiseSNR != nil || plan.semitones != nil || plan.stretch != nil else {
            throw r.error(node, "augment", "name at least one of noise, pitch, stretch (copies are made of those)")
        }
        return (plan, mask)
    }

    /// `schedule: cosine` or `schedule: {step: {every: EPOCHS, factor: F}}`.
    private static func parseSchedule(_ node: Node, reader r: CellReader) throws -> LRSchedule {
        if node.scalar?.string == "cosine" { return .cosine }
        guard node.mapping != nil else { throw r.error(node, "training.schedule", "expected cosine or {step: {every: EPOCHS, factor: F}}") }
        let m = try r.mapping(node, "training.schedule", allowed: ["step"])
        guard let step = m["step"] else { throw r.error(node, "training.schedule",
                                                        "expected cosine or {step: {every: EPOCHS, factor: F}}") }
        let sm = try r.mapping(step, "training.schedule.step", allowed: ["every", "factor"])
        guard let every = sm["every"], let factor = sm["factor"] else {
            throw r.error(step, "training.schedule.step", "needs every: EPOCHS and factor: F, e.g. {every: 10, factor: 0.1}")
        }
        return .step(every: try r.int(every, "training.schedule.step.every", min: 1, max: 100_000),
                     factor: try r.double(factor, "training.schedule.step.factor", min: 0.001, max: 1))
    }

    /// `search: {trials, eta, rungs, seed, baseline, space: {NAME: {uniform|log_uniform: [lo, hi]} or {choice: [...]}}}`.
    private static func parseSearch(_ node: Node, into e: inout Experiment, reader r: CellReader) throws {
        let m = try r.mapping(node, "search", allowed: ["trials", "eta", "rungs", "seed", "space", "baseline"])
        guard let spaceNode = m["space"] else { throw r.error(node, "search.space",
                                                              "a search needs a space: the parameters and their ranges") }
        let space = try r.mapping(spaceNode, "search.space", allowed: SearchParameter.names)
        guard !space.isEmpty else { throw r.error(spaceNode, "search.space", "name at least one parameter") }
        var spec = SearchSpec(space: [:])
        for (name, v) in space {
            guard let range = SearchParameter.named(name)?.range else { continue } // `allowed` above let only known names through
            let key = "search.space.\(name)"
            let d = try r.mapping(v, key, allowed: ["uniform", "log_uniform", "choice"])
            guard d.count == 1, let (kind, valuesNode) = d.first, let seq = valuesNode.sequence else {
                throw r.error(v, key, "expected one of {uniform: [lo, hi]}, {log_uniform: [lo, hi]}, {choice: [a, b, ...]}")
            }
            let values = try seq.map { try r.double($0, key, min: range.lowerBound, max: range.upperBound) }
            switch kind {
            case "choice":
                guard !values.isEmpty else { throw r.error(v, key, "choice needs at least one value") }
                spec.space[name] = .choice(values)
            default:
                guard values.count == 2, values[0] < values[1] else { throw r.error(v, key, "\(kind) needs [low, high] with low < high") }
                if kind == "log_uniform" && values[0] <= 0 { throw r.error(v, key, "log_uniform needs a positive low end") }
                spec.space[name] = kind == "uniform" ? .uniform(low: values[0], high: values[1]) : .logUniform(low: values[0],
                        high: values[1])
            }
        }
        if let v = m["trials"] { spec.trials = try r.int(v, "search.trials", min: 1, max: 1000) }
        if let v = m["eta"] { spec.eta = try r.int(v, "search.eta", min: 2, max: 100) }
        if let v = m["seed"] { spec.seed = UInt64(try r.int(v, "search.seed", min: 0)) }
        if let v = m["rungs"] {
            guard let seq = v.sequence, !seq.isEmpty else { throw r.error(v, "search.rungs",
                                                                          "expected a list of epochs such as [3, 9, 27]") }
            spec.rungs = try seq.map { try r.int($0, "search.rungs", min: 1, max: 100_000) }
            guard zip(spec.rungs, spec.rungs.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw r.error(v, "search.rungs", "rungs must increase, got \(spec.rungs)")
            }
        }
        if let v = m["baseline"] { e.searchBaseline = try r.string(v, "search.baseline") }
        e.search = spec
    }

    /// Limits that involve several keys (the engine's shape and memory limits, fmin below fmax),
    /// checked by the one validator for the cell as written and, for a search, for the largest
    /// configuration its space can sample. Caught here, so no accepted cell reaches a precondition.
}

/// Where a cell's keys were written, for the validator's rules: whether a key ("split.train") is
/// there, and an error at its line (the cell's, when it is not).
struct CellKeys {
    let top: [String: Node]
    let cell: Node
    let reader: CellReader

    func node(_ key: String) -> Node? {
        let parts = key.split(separator: ".").map(String.init)
        var at = top[parts[0]]
        for part in parts.dropFirst() { at = at?.mapping?[part] }
        return at
    }

    func has(_ key: String) -> Bool { node(key) != nil }

    func error(_ key: String, _ message: String) -> NotebookError { reader.error(node(key) ?? cell, key, message) }
}

/// Typed reads from a YAML node, each failure naming the notebook line and the key.
struct CellReader {
    let file: String, firstLine: Int

    func error(_ node: Node, _ key: String, _ message: String) -> NotebookError {
        NotebookError(file: file, line: firstLine + (node.mark?.line ?? 1) - 1, key: key, message: message)
    }

    func mapping(_ node: Node, _ key: String, allowed: Set<String>) throws -> [String: Node] {
        guard let m = node.mapping else { throw error(node, key, "expected a mapping of keys to values") }
        var out: [String: Node] = [:]
        for (k, v) in m {
            guard let name = k.string else { throw error(k, key, "keys must be plain words") }
            guard allowed.contains(name) else {
                throw error(k, key == "cell" ? name : "\(key).\(name)",
                            "unknown key (expected one of: \(allowed.sorted().joined(separator: ", ")))")
            }
            out[name] = v
        }
        return out
    }

    func string(_ node: Node, _ key: String) throws -> String {
        guard let s = node.scalar?.string else { throw error(node, key, "expected text") }
        return s
    }

    func int(_ node: Node, _ key: String, min: Int, max: Int = Int.max) throws -> Int {
        guard let s = node.scalar?.string, let v = Int(s) else {
            throw error(node, key, "expected an integer, got \(node.scalar.map { "\"\($0.string)\"" } ?? "a list or mapping")")
        }
        guard v >= min else { throw error(node, key, "must be at least \(min), got \(v)") }
        guard v <= max else { throw error(node, key, "must be at most \(max), got \(v)") }
        return v
    }

    func double(_ node: Node, _ key: String, min: Double, max: Double = .infinity) throws -> Double {
        guard let s = node.scalar?.string, let v = Double(s), v.isFinite else {
            throw error(node, key, "expected a number, got \(node.scalar.map { "\"\($0.string)\"" } ?? "a list or mapping")")
        }
        guard v >= min && v <= max else { throw error(node, key, "must be between \(min) and \(max), got \(v)") }
        return v
    }

    func bool(_ node: Node, _ key: String) throws -> Bool {
        switch node.scalar?.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(node, key, "expected true or false")
        }
    }
}
