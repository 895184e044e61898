import Core
import Foundation
import Plot

/// Runs one experiment into target/<run-id>/: data, features, split, training, evaluation, figures.
/// The manifest is written first (status running) and last (complete, failed or interrupted).
struct ExperimentRunner {
    var workspace: Workspace
    var quiet: Bool
    var command: String
    /// Polled between batches; Ctrl-C by default. Tests stop a run here to exercise resume.
    var shouldStop: () -> Bool = { StopSignal.isRequested }

    enum Outcome { case complete(RunDirectory, RunMetrics), interrupted(RunDirectory) }

    func run(_ e: Experiment, dataOverride: String? = nil) throws -> Outcome {
        let dir = try RunDirectory.create(targetDirectory: workspace.target, startedAt: Date())
        var e = e
        if let dataOverride { e.data = .path(dataOverride) }
        let manifest = RunManifest(runID: dir.id, experiment: e, status: .running, gitCommit: Git.commit(in: workspace.root),
                                   gitDirty: Git.isDirty(in: workspace.root), toolkitVersion: LabVersion.string,
                                   dataRoot: "", fingerprint: nil, classes: [], skipped: [], seed: e.training.seed,
                                   threads: Parallelism.threads, startTime: isoNow(), endTime: nil, error: nil, command: command,
                                   machine: MachineDescription.current)
        return try execute(e, dir: dir, manifest: manifest, resume: nil)
    }

    func resume(_ dir: RunDirectory) throws -> Outcome {
        var manifest = try dir.readManifest()
        guard manifest.status != .complete else { throw LabError("run \(dir.id) is already complete") }
        let checkpoint = dir.file("checkpoint.safetensors")
        let hasCheckpoint = FileManager.default.fileExists(atPath: checkpoint)
        manifest.status = .running
        manifest.error = nil
        manifest.resumedOn = (manifest.resumedOn ?? []) + [MachineDescription.current]
        return try execute(manifest.experiment, dir: dir, manifest: manifest, resume: hasCheckpoint ? checkpoint : nil)
    }

    private func execute(_ e: Experiment, dir: RunDirectory, manifest start: RunManifest, resume: String?) throws -> Outcome {
        var manifest = start
        var log = (try? String(contentsOfFile: dir.file("log.txt"), encoding: .utf8)) ?? ""
        func note(_ s: String) {
            log += "\(isoNow()) \(s)\n"
            try? dir.write(Data(log.utf8), to: "log.txt")
        }
        try dir.writeJSON(manifest, to: "manifest.json")
        note(resume == nil ? "run \(dir.id) started: \(e.name)" : "run \(dir.id) resumed from \(resume!)")
        do {
            let root = try workspace.dataRoot(for: e.data, quiet: quiet)
            manifest.dataRoot = workspace.relative(root)
            let bar = ProgressReporter(label: "[\(e.name)]", quiet: quiet)
            let data = try PreparedData.prepare(e, root: root, cacheDirectory: workspace.cache, progress: bar)
            manifest.fingerprint = data.collection.fingerprint
            manifest.classes = data.collection.classes
            manifest.skipped = data.skipped
            try dir.writeJSON(manifest, to: "manifest.json")
            // The split by clip, as relative paths and content hashes: the run can be audited and repeated.
            try dir.writeJSON(data.split, to: "split.json")
            for s in data.skipped { note("skipped \(s.relativePath): \(s.reason)") }
            note("data: \(data.collection.clips.count) clips, \(data.train.count)/\(data.validation.count)/\(data.test.count) segments")

            var modelConfig = e.model
            modelConfig.inputHeight = e.features.nMels
            modelConfig.inputWidth = e.segmentSpec.length
            modelConfig.classes = data.collection.classes.count
            let model = Trainer.initialModel(config: modelConfig, seed: e.training.seed)
            let trainer: Trainer
            if let resume {
                trainer = try Trainer(model: model, config: e.training, resumingFrom: try Checkpoint.load(path: resume, model: model))
            } else {
                trainer = Trainer(model: model, config: e.training)
            }
            let started = Date()
            let result = try trainer.fit(train: data.train, validation: data.validation, progress: { p in
                bar.status(String(format: "epoch %d/%d batch %d/%d loss %.4f %.0f samples/s ETA %@", p.epoch, p.epochs, p.batch,
                                  p.batches, p.loss, p.samplesPerSecond, ProgressReporter.clock(p.etaSeconds)))
            }, checkpoint: { state in
                try Checkpoint.save(state, model: model, to: dir.file("checkpoint.safetensors"))
                try dir.write(Data(HistoryCSV.render(state.history).utf8), to: "history.csv")
                if let last = state.history.last {
                    let line = String(format: "epoch %d: loss %.4f acc %.3f | val loss %.4f acc %.3f auc %@", last.epoch, last.trainLoss,
                                      last.trainAccuracy, last.validationLoss, last.validationAccuracy,
                                      last.validationAUC.map { String(format: "%.3f", $0) } ?? "n/a")
                    note(line)
                    bar.status(line, force: true)
                }
            }, shouldStop: shouldStop)
            if result.interrupted {
                manifest.status = .interrupted
                manifest.endTime = isoNow()
                try dir.writeJSON(manifest, to: "manifest.json")
                note("interrupted after epoch \(result.history.count); resume with `lab resume \(dir.id)`")
                bar.finish("interrupted; resume with `lab resume \(dir.id)`")
                return .interrupted(dir)
            }
            let seconds = Date().timeIntervalSince(started)
            bar.finish("trained \(result.history.count) epochs (best \(result.bestEpoch)) in \(String(format: "%.1f", seconds)) s")

            let metrics = evaluate(model: model, data: data, experiment: e, result: result, seconds: seconds)
            try Checkpoint.saveWeights(model, to: dir.file("model.safetensors"), metadata: ["experiment": e.name, "run": dir.id])
            try dir.writeJSON(metrics, to: "metrics.json")
            try dir.write(Data(HistoryCSV.render(result.history).utf8), to: "history.csv")
            try dir.write(Data(predictionsCSV(model: model, data: data).utf8), to: "predictions.csv")
            try RunFigures.draw(metrics: metrics, history: result.history, model: model, data: data, title: e.title, into: dir)
            manifest.status = .complete
            manifest.endTime = isoNow()
            try dir.writeJSON(manifest, to: "manifest.json")
            // A complete run needs no resume point; model.safetensors keeps the weights.
            try? FileManager.default.removeItem(atPath: dir.file("checkpoint.safetensors"))
            note("complete: test clip accuracy \(metrics.test.clip.accuracy)")
            return .complete(dir, metrics)
        } catch {
            manifest.status = .failed
            manifest.error = "\(error)"
            manifest.endTime = isoNow()
            try? dir.writeJSON(manifest, to: "manifest.json")
            note("failed: \(error)")
            throw error
        }
    }

    private func evaluate(model: Model, data: PreparedData, experiment e: Experiment, result: TrainResult, seconds: Double) -> RunMetrics {
        let k = model.config.classes
        func split(_ d: Dataset, _ clips: [Int]) -> SplitMetrics {
            let p = model.predict(d.x, count: d.count).map(Double.init)
            let segment = ClassificationReport(probabilities: p, labels: d.labels, classCount: k)
            let agg = ClipAggregation.mean(probabilities: p, classCount: k, clipIDs: clips)
            var clipLabels: [Int: Int] = [:]
            for (c, y) in zip(clips, d.labels) { clipLabels[c] = y }
            let clip = ClassificationReport(probabilities: agg.probabilities, labels: agg.clipIDs.map { clipLabels[$0]! }, classCount: k)
            return SplitMetrics(segment: LevelMetrics(segment), clip: LevelMetrics(clip))
        }
        return RunMetrics(experiment: e.name, classes: data.collection.classes, fingerprint: data.collection.fingerprint,
                          validation: split(data.validation, data.validationClips), test: split(data.test, data.testClips),
                          epochsRun: result.history.count, bestEpoch: result.bestEpoch, stoppedEarly: result.stoppedEarly,
                          clips: ["train": data.split.train.count, "validation": data.split.validation.count, "test": data.split.test.count],
                          segments: ["train": data.train.count, "validation": data.validation.count, "test": data.test.count],
                          trainingSeconds: seconds, inputMean: data.mean, inputStd: data.std,
                          history: result.history.map(EpochSummary.init))
    }

    /// One row per test clip: path, true label, then the clip-level probability of each class.
    private func predictionsCSV(model: Model, data: PreparedData) -> String {
        let k = model.config.classes
        let p = model.predict(data.test.x, count: data.test.count).map(Double.init)
        let agg = ClipAggregation.mean(probabilities: p, classCount: k, clipIDs: data.testClips)
        var out = "path,true_label," + data.collection.classes.map { "p_\($0)" }.joined(separator: ",") + "\n"
        for (row, clip) in agg.clipIDs.enumerated() {
            let ref = data.split.test[clip]
            out += "\(ref.relativePath),\(data.collection.classes[ref.classIndex]),"
            out += (0..<k).map { "\(agg.probabilities[row * k + $0])" }.joined(separator: ",") + "\n"
        }
        return out
    }
}

enum HistoryCSV {
    static func render(_ h: [EpochRecord]) -> String {
        var s = "epoch,train_loss,train_accuracy,validation_loss,validation_accuracy,validation_auc,learning_rate,seconds\n"
        for r in h {
            s += "\(r.epoch),\(r.trainLoss),\(r.trainAccuracy),\(r.validationLoss),\(r.validationAccuracy),"
            s += "\(r.validationAUC.map { "\($0)" } ?? ""),\(r.learningRate),\(String(format: "%.3f", r.seconds))\n"
        }
        return s
    }
}

enum RunFigures {
    static func draw(metrics: RunMetrics, history: [EpochRecord], model: Model, data: PreparedData, title: String, into dir: RunDirectory) throws {
        try Charts.lossHistory(trainLoss: history.map(\.trainLoss), validationLoss: history.map(\.validationLoss),
                               trainAccuracy: history.map(\.trainAccuracy), validationAccuracy: history.map(\.validationAccuracy),
                               validationAUC: history.map(\.validationAUC), bestEpoch: metrics.bestEpoch,
                               title: "\(title): training history").writePNG(to: dir.file("loss_history.png"))
        try Charts.confusionMatrix(counts: metrics.test.clip.confusion, labels: metrics.classes,
                                   title: "\(title): test clips").writePNG(to: dir.file("matrix.png"))
        let k = metrics.classes.count
        let p = model.predict(data.test.x, count: data.test.count).map(Double.init)
        let agg = ClipAggregation.mean(probabilities: p, classCount: k, clipIDs: data.testClips)
        let labels = agg.clipIDs.map { data.split.test[$0].classIndex }
        let curves = (0..<k).compactMap { c -> (label: String, fpr: [Double], tpr: [Double], auc: Double?)? in
            let scores = labels.indices.map { agg.probabilities[$0 * k + c] }
            guard let curve = ROC.curve(scores: scores, positive: labels.map { $0 == c }) else { return nil }
            return (metrics.classes[c], curve.falsePositiveRate, curve.truePositiveRate, ROC.area(curve))
        }
        try Charts.roc(curves: curves, title: "\(title): ROC, test clips (one-vs-rest)").writePNG(to: dir.file("roc.png"))
    }
}
