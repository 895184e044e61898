import Core
import Foundation
import Plot

/// Runs one experiment into target/<run-id>/: data, features, split, training, evaluation, figures.
/// The manifest is written first (status running) and last (complete, failed or interrupted).
struct ExperimentRunner {
    var workspace: Workspace
    var quiet: Bool
    var command: String
    var context: ExecutionContext
    /// Polled between batches; Ctrl-C by default. Tests stop a run here to exercise resume.
    var shouldStop: () -> Bool = { StopSignal.isRequested }

    enum Outcome { case complete(RunDirectory, RunMetrics), interrupted(RunDirectory) }

    func run(_ e: Experiment) throws -> Outcome {
        let (dir, manifest) = try RunLifecycle.begin(e, seed: e.training.seed, workspace: workspace, command: command, context: context)
        return try execute(e, dir: dir, manifest: manifest, resume: nil)
    }

    func resume(_ dir: RunDirectory) throws -> Outcome {
        let (dir, manifest) = try RunLifecycle.begin(try dir.readManifest().experiment, seed: 0, workspace: workspace, command: command,
                                                                          context: context,
                                                                          resuming: dir)
        let checkpoint = dir.file("checkpoint.safetensors")
        let hasCheckpoint = FileManager.default.fileExists(atPath: checkpoint)
        return try execute(manifest.experiment, dir: dir, manifest: manifest, resume: hasCheckpoint ? checkpoint : nil, restarting: true)
    }

    /// `restarting`: a resumed run; without a checkpoint (stopped before its first epoch) it starts over.
    private func execute(_ e: Experiment, dir: RunDirectory, manifest start: RunManifest, resume: String?,
                         restarting: Bool = false) throws -> Outcome {
        var manifest = start
        var log = (try? String(contentsOfFile: dir.file("log.txt"), encoding: .utf8)) ?? ""
        func note(_ s: String) {
            log += "\(isoNow()) \(s)\n"
            try? dir.write(Data(log.utf8), to: "log.txt")
        }
        note(resume != nil ? "run \(dir.id) resumed from checkpoint.safetensors"
             : restarting ? "run \(dir.id) resumed: no checkpoint yet, starting from the data" : "run \(dir.id) started: \(e.runName)")
        var lastEpoch: Int? = nil // the last epoch checkpointed, for the log
        let outcome = try RunLifecycle.run(dir, &manifest, onInterrupt: {
            // Whatever was written stays: cached features, the last completed epoch's checkpoint.
            note("interrupted" + (lastEpoch.map { " after epoch \($0)" } ?? " before the first epoch") + "; `lab reproduce` resumes it")
            if !quiet {
                FileHandle.standardError.write(Data("\ninterrupted; `lab reproduce` (or `lab resume \(dir.id)`) continues\n".utf8))
            }
        }, onFailure: { note("failed: \($0)") }) { manifest in
            let bar = ProgressReporter(label: "[\(e.runName)]", quiet: quiet)
            let data = try workspace.prepareData(for: e, label: "[\(e.runName)]", quiet: quiet, context: context, shouldStop: shouldStop,
                                                     manifest: &manifest)
            // The spec built for this data: its input shape and its classes (Keras's build(input_shape)).
            let model = Trainer.initialModel(config: ModelConfig(spec: e.model, input: e.inputShape,
                                                                 classes: data.collection.classes.count), seed: e.training.seed)
            manifest.model = BuiltModel(model)
            try dir.writeJSON(manifest, to: "manifest.json")
            // The split by clip, as relative paths and content hashes: the run can be audited and repeated.
            try dir.writeJSON(data.split, to: "split.json")
            for s in data.skipped { note("skipped \(s.relativePath): \(s.reason)") }
            note("data: \(data.collection.clips.count) clips, \(data.train.count)/\(data.validation.count)/\(data.test.count) segments")

            let trainer: Trainer
            if let resume {
                trainer = try Trainer(model: model, config: e.training, context: context, resumingFrom: try Checkpoint.load(path: resume,
                        model: model))
            } else {
                trainer = Trainer(model: model, config: e.training, context: context)
            }
            let started = Date()
            let result = try trainer.fit(train: data.train, validation: data.validation, progress: { p in
                bar.status(String(format: "epoch %d/%d batch %d/%d loss %.4f %.0f samples/s ETA %@", p.epoch, p.epochs, p.batch,
                                  p.batches, p.loss, p.samplesPerSecond, ProgressReporter.clock(p.etaSeconds)))
            }, checkpoint: { state in
                try Checkpoint.save(state, model: model, to: dir.file("checkpoint.safetensors"))
                lastEpoch = state.epoch
                try dir.write(Data(HistoryCSV.render(state.history).utf8), to: "history.csv")
                if let last = state.history.last {
                    let line = String(format: "epoch %d: loss %.4f acc %.3f | val loss %.4f acc %.3f auc %@", last.epoch, last.trainLoss,
                                      last.trainAccuracy, last.validationLoss, last.validationAccuracy,
                                      last.validationAUC.map { String(format: "%.3f", $0) } ?? "n/a")
                    note(line)
                    bar.status(line, force: true)
                }
            }, shouldStop: shouldStop)
            if result.interrupted { throw Interrupted() }
            let seconds = Date().timeIntervalSince(started)
            bar.finish("trained \(result.history.count) epochs (best \(result.bestEpoch)) in \(String(format: "%.1f", seconds)) s")

            let metrics = data.train.isTagging
                ? try finishTagging(e, model: model, data: data, result: result, seconds: seconds, dir: dir)
                : try finishClassification(e, model: model, data: data, result: result, seconds: seconds, dir: dir)
            return metrics
        }
        if case .complete(_, let metrics) = outcome {
            // A complete run needs no resume point; model.safetensors keeps the weights.
            try? FileManager.default.removeItem(atPath: dir.file("checkpoint.safetensors"))
            note("complete: test clip accuracy \(metrics.test.clip.accuracy)")
        }
        return outcome
    }
}

extension ExperimentRunner {
    /// Each split is predicted once; metrics, predictions.csv and the figures all read that.
    private func finishClassification(_ e: Experiment, model: Model, data: PreparedData, result: TrainResult, seconds: Double,
                                      dir: RunDirectory) throws -> RunMetrics {
        let aggregate = e.aggregate ?? .meanProbability
        let validation = Evaluation(model: model, data: data.validation, clipIndex: data.validationClips, aggregate: aggregate,
                                    on: context)
        if shouldStop() { throw Interrupted() }
        let test = Evaluation(model: model, data: data.test, clipIndex: data.testClips, aggregate: aggregate, on: context)
        if shouldStop() { throw Interrupted() }
        let metrics = RunMetrics(experiment: e.runName, data: data, validation: validation, test: test, result: result, seconds: seconds,
                                 bootstrap: e.bootstrap ?? BootstrapPlan(), on: context)
        try save(e, model: model, data: data, metrics: metrics, history: result.history, dir: dir)
        try dir.write(Data(PredictionsCSV.render(test, data: data).utf8), to: "predictions.csv")
        try RunFigures.draw(metrics: metrics, history: result.history, test: test, title: e.runName, into: dir)
        return metrics
    }

    /// As above for a tagging model: sigmoid outputs, each clip the mean of its segments'.
    private func finishTagging(_ e: Experiment, model: Model, data: PreparedData, result: TrainResult, seconds: Double,
                               dir: RunDirectory) throws -> RunMetrics {
        let validation = TaggingEvaluation(model: model, data: data.validation, clipIndex: data.validationClips, on: context)
        if shouldStop() { throw Interrupted() }
        let test = TaggingEvaluation(model: model, data: data.test, clipIndex: data.testClips, on: context)
        if shouldStop() { throw Interrupted() }
        let metrics = RunMetrics(experiment: e.runName, data: data, validation: validation, test: test, result: result, seconds: seconds,
                                 bootstrap: e.bootstrap ?? BootstrapPlan(), on: context)
        try save(e, model: model, data: data, metrics: metrics, history: result.history, dir: dir)
        try dir.write(Data(PredictionsCSV.render(test, data: data).utf8), to: "predictions.csv")
        try RunFigures.drawTagging(metrics: metrics, history: result.history, test: test, title: e.runName, into: dir)
        return metrics
    }

    private func save(_ e: Experiment, model: Model, data: PreparedData, metrics: RunMetrics, history: [EpochRecord],
                      dir: RunDirectory) throws {
        try Checkpoint.saveWeights(model, to: dir.file("model.safetensors"),
                                   metadata: try WeightsMetadata.describe(e, model: model, data: data, run: dir.id))
        try dir.writeJSON(metrics, to: "metrics.json")
        try dir.write(Data(HistoryCSV.render(history).utf8), to: "history.csv")
    }
}

extension RunMetrics {
    /// A tagging run's record: the levels every report reads (ROC-AUC, decision accuracy), and the
    /// per-tag ROC-AUC, PR-AUC and positives with the test clips' macro intervals.
    init(experiment name: String, data: PreparedData, validation: TaggingEvaluation, test: TaggingEvaluation, result: TrainResult,
         seconds: Double, bootstrap plan: BootstrapPlan, on context: ExecutionContext) {
        let k = data.collection.classes.count
        func levels(_ t: TaggingEvaluation) -> SplitMetrics {
            SplitMetrics(segment: LevelMetrics(tagging: t.segment, accuracy: t.segmentAccuracy, count: t.segmentProbabilities.count / k),
                         clip: LevelMetrics(tagging: t.clip, accuracy: t.clipAccuracy, count: t.clipIDs.count))
        }
        var trainingClips = [Int](repeating: 0, count: k)
        for clip in data.split.train { for t in clip.tags ?? [] where t < k { trainingClips[t] += 1 } }
        let tagging = TaggingRecord(trainingClips: trainingClips,
                                    validation: TaggingSplitMetrics(segment: validation.segment, clip: validation.clip, intervals: nil),
                                    test: TaggingSplitMetrics(segment: test.segment, clip: test.clip,
                                                              intervals: test.intervals(plan, purpose: "test", on: context)))
        let record = RunRecord(classes: data.collection.classes, fingerprint: data.collection.fingerprint,
                               validation: levels(validation), test: levels(test),
                               epochsRun: result.history.count, bestEpoch: result.bestEpoch, stoppedEarly: result.stoppedEarly,
                               clips: ["train": data.split.train.count, "validation": data.split.validation.count,
                                       "test": data.split.test.count],
                               segments: ["train": data.train.count, "validation": data.validation.count, "test": data.test.count],
                               history: result.history.map(\.withoutWallTime), bootstrap: plan,
                               testClips: test.clipIDs.enumerated().map { row, clip in
                                   let ref = data.split.test[clip]
                                   return ClipPrediction(path: ref.relativePath, sha256: ref.sha256, label: ref.classIndex,
                                                         probabilities: Array(test.clipProbabilities[(row * k)..<((row + 1) * k)]),
                                                         tags: ref.tags ?? [])
                               }, tagging: tagging)
        self.init(experiment: name, record: record, trainingSeconds: seconds, inputMean: data.mean, inputStd: data.std)
    }


    /// Test metrics carry `plan`'s bootstrap intervals; validation metrics are the selection set's and carry none.
    init(experiment name: String, data: PreparedData, validation: Evaluation, test: Evaluation, result: TrainResult, seconds: Double,
         bootstrap plan: BootstrapPlan, on context: ExecutionContext) {
        let intervals = test.intervals(plan, purpose: "test", on: context)
        let k = data.collection.classes.count
        let record = RunRecord(classes: data.collection.classes, fingerprint: data.collection.fingerprint,
                  validation: SplitMetrics(segment: LevelMetrics(validation.segment), clip: LevelMetrics(validation.clip)),
                  test: SplitMetrics(segment: LevelMetrics(test.segment, intervals: intervals.segment),
                                     clip: LevelMetrics(test.clip, intervals: intervals.clip)),
                  epochsRun: result.history.count, bestEpoch: result.bestEpoch, stoppedEarly: result.stoppedEarly,
                  clips: ["train": data.split.train.count, "validation": data.split.validation.count, "test": data.split.test.count],
                  segments: ["train": data.train.count, "validation": data.validation.count, "test": data.test.count],
                  history: result.history.map(\.withoutWallTime), bootstrap: plan,
                  testClips: test.clipIDs.enumerated().map { row, clip in
                      let ref = data.split.test[clip]
                      return ClipPrediction(path: ref.relativePath, sha256: ref.sha256, label: ref.classIndex,
                                            probabilities: Array(test.clipProbabilities[(row * k)..<((row + 1) * k)]))
                  })
        self.init(experiment: name, record: record, trainingSeconds: seconds, inputMean: data.mean, inputStd: data.std)
    }
}

/// predictions.csv: one row per test clip: path, true label, then the clip-level probability of each class.
/// For tagging: path, the clip's tags (`;`-separated), then each tag's probability.
enum PredictionsCSV {
    static func render(_ test: TaggingEvaluation, data: PreparedData) -> String {
        let tags = data.collection.classes, k = tags.count
        var out = "path,tags," + tags.map { "p_\(CSVField.escape($0))" }.joined(separator: ",") + "\n"
        for (row, clip) in test.clipIDs.enumerated() {
            let ref = data.split.test[clip]
            out += CSVField.escape(ref.relativePath) + "," + CSVField.escape((ref.tags ?? []).map { tags[$0] }.joined(separator: ";")) + ","
            out += (0..<k).map { "\(test.clipProbabilities[row * k + $0])" }.joined(separator: ",") + "\n"
        }
        return out
    }

    static func render(_ test: Evaluation, data: PreparedData) -> String {
        let classes = data.collection.classes, k = classes.count
        var out = "path,true_label," + classes.map { "p_\($0)" }.joined(separator: ",") + "\n"
        for (row, clip) in test.clipIDs.enumerated() {
            let ref = data.split.test[clip]
            out += "\(ref.relativePath),\(classes[ref.classIndex]),"
            out += (0..<k).map { "\(test.clipProbabilities[row * k + $0])" }.joined(separator: ",") + "\n"
        }
        return out
    }
}

enum HistoryCSV {
    static func render(_ h: [EpochRecord]) -> String {
        var s = "epoch,train_loss,train_accuracy,validation_loss,validation_accuracy,validation_auc,learning_rate,seconds\n"
        for r in h {
            s += "\(r.epoch),\(r.trainLoss),\(r.trainAccuracy),\(r.validationLoss),\(r.validationAccuracy),"
            s += "\(r.validationAUC.map { "\($0)" } ?? ""),\(r.learningRate),\(r.seconds.map { String(format: "%.3f", $0) } ?? "")\n"
        }
        return s
    }
}

/// A run's own figures. They are titled by the run's name, never the cell's `title:`: a title is
/// presentation, left out of the reuse key, so it must not change a complete run's files.
enum RunFigures {
    static func draw(metrics: RunMetrics, history: [EpochRecord], test: Evaluation, title: String, into dir: RunDirectory) throws {
        try Charts.lossHistory(trainLoss: history.map(\.trainLoss), validationLoss: history.map(\.validationLoss),
                               trainAccuracy: history.map(\.trainAccuracy), validationAccuracy: history.map(\.validationAccuracy),
                               validationAUC: history.map(\.validationAUC), bestEpoch: metrics.bestEpoch,
                               title: "\(title): training history").writePNG(to: dir.file("loss_history.png"))
        try Charts.confusionMatrix(counts: metrics.test.clip.confusion, labels: metrics.classes,
                                   title: "\(title): test clips").writePNG(to: dir.file("matrix.png"))
        // Two classes: one curve, the second class's scores against the first, as scikit-learn's binary
        // roc_auc_score has it (the other class's curve is its mirror image with the same area).
        let binary = metrics.classes.count == 2
        let curves = test.clip.curves.enumerated().compactMap { c, curve -> (label: String, fpr: [Double], tpr: [Double], auc: Double?)? in
            guard !binary || c == 1 else { return nil }
            let label = binary ? "\(metrics.classes[1]) vs \(metrics.classes[0])" : metrics.classes[c]
            return curve.map { (label, $0.falsePositiveRate, $0.truePositiveRate, ROC.area($0)) }
        }
        try Charts.roc(curves: curves,
                       title: "\(title): ROC, test clips" + (binary ? "" : " (one-vs-rest)")).writePNG(to: dir.file("roc.png"))
    }
}

extension RunFigures {
    /// A tagging run's figures: the training history, every tag's test ROC-AUC and PR-AUC (tags.png),
    /// and the precision-recall and ROC curves of the best and worst tags by PR-AUC (all, up to six).
    static func drawTagging(metrics: RunMetrics, history: [EpochRecord], test: TaggingEvaluation, title: String,
                            into dir: RunDirectory) throws {
        try Charts.lossHistory(trainLoss: history.map(\.trainLoss), validationLoss: history.map(\.validationLoss),
                               trainAccuracy: history.map(\.trainAccuracy), validationAccuracy: history.map(\.validationAccuracy),
                               validationAUC: history.map(\.validationAUC), bestEpoch: metrics.bestEpoch,
                               title: "\(title): training history (accuracy: tag decisions at 0.5)")
            .writePNG(to: dir.file("loss_history.png"))
        let tags = metrics.classes, report = test.clip, clips = max(1, test.clipIDs.count)
        let order = TaggingTable.order(report, count: tags.count)
        try Charts.tagMetrics(tags: order.map { tags[$0] }, rocAUC: order.map { report.rocAUC[$0] },
                              averagePrecision: order.map { report.averagePrecision[$0] },
                              prevalence: order.map { Double(report.positives[$0]) / Double(clips) },
                              title: "\(title): per-tag figures, \(test.clipIDs.count) test clips").writePNG(to: dir.file("tags.png"))
        let shown = TaggingTable.extremes(report, count: 3)
        let k = test.tagCount
        func column(_ t: Int) -> (scores: [Double], positive: [Bool]) {
            let rows = 0..<test.clipIDs.count
            return (rows.map { test.clipProbabilities[$0 * k + t] }, rows.map { test.clipTags[$0 * k + t] })
        }
        let pr = shown.compactMap { t -> (label: String, recall: [Double], precision: [Double], ap: Double?, prevalence: Double)? in
            let (scores, positive) = column(t)
            return PrecisionRecall.curve(scores: scores, positive: positive).map {
                (tags[t], $0.recall, $0.precision, report.averagePrecision[t], Double(report.positives[t]) / Double(clips))
            }
        }
        try Charts.precisionRecall(curves: pr, title: "\(title): precision-recall, test clips (best and worst tags)")
            .writePNG(to: dir.file("pr.png"))
        let roc = shown.compactMap { t -> (label: String, fpr: [Double], tpr: [Double], auc: Double?)? in
            let (scores, positive) = column(t)
            return ROC.curve(scores: scores, positive: positive).map { (tags[t], $0.falsePositiveRate, $0.truePositiveRate, ROC.area($0)) }
        }
        try Charts.roc(curves: roc, title: "\(title): ROC, test clips (best and worst tags)").writePNG(to: dir.file("roc.png"))
    }
}

/// How a tagging report orders its tags, shared by the table and the figures.
enum TaggingTable {
    /// The indices of `count` tags by ROC-AUC, highest first; undefined ones last, each group by
    /// index. A record with fewer values (a hand-edited metrics.json) reads the rest as undefined.
    static func order(_ r: TaggingReport, count: Int) -> [Int] {
        (0..<count).sorted { a, b in
            switch (r.rocAUC[safe: a] ?? nil, r.rocAUC[safe: b] ?? nil) {
            case let (x?, y?): return x != y ? x > y : a < b
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a < b
            }
        }
    }

    /// The `count` tags with the highest PR-AUC and the `count` with the lowest (every tag with one
    /// when there are few), best first.
    static func extremes(_ r: TaggingReport, count: Int) -> [Int] {
        let defined = r.averagePrecision.indices.filter { r.averagePrecision[$0] != nil }
            .sorted { a, b in r.averagePrecision[a]! != r.averagePrecision[b]! ? r.averagePrecision[a]! > r.averagePrecision[b]! : a < b }
        guard defined.count > 2 * count else { return defined }
        return Array(defined.prefix(count)) + Array(defined.suffix(count))
    }
}
