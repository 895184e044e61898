import Core
import Foundation
import Plot

/// A `search:` cell: the data is prepared once; trials sampled from the space train on it under
/// synchronous successive halving; the chosen configuration alone is evaluated on the test set.
/// Everything lives in one run folder:
///   plan.json, split.json, rungs.json, trials/NNN/{config.json, status.json, checkpoint.safetensors,
///   model.safetensors}, and the chosen model's metrics.json, predictions.csv and figures.
/// Each trial's progress is written (atomically) after every rung, so a search stopped anywhere
/// continues with `lab reproduce`, never retrains a finished rung, and ends bit-identical to one
/// that never stopped.
struct SearchRunner {
    var workspace: Workspace
    var quiet: Bool
    var command: String
    var context: ExecutionContext
    var shouldStop: () -> Bool = { StopSignal.isRequested }
    /// Where trials train: in this process, or as Slurm jobs (one array per rung).
    var executor: TrialExecutor = .local

    enum TrialExecutor: Equatable {
        case local
        /// `workers` processes of `lab search trial` at a time on this machine.
        case processes(workers: Int)
        /// `sbatch` from this machine; each job runs `lab search trial` in this workspace.
        case slurm(SlurmOptions)
    }

    /// Passed through to `sbatch`.
    struct SlurmOptions: Equatable {
        var partition: String? = nil
        /// `--time`, e.g. "02:00:00".
        var time: String? = nil
        /// CPUs per trial (`-c`); default: --threads.
        var cpus: Int? = nil
    }

    static let figures = ["search_parameters.png", "search_halving.png"]

    /// A complete search's record (search.json), or nil for an ordinary run.
    static func record(in dir: RunDirectory) throws -> SearchRecord? {
        guard let d = FileManager.default.contents(atPath: dir.file("search.json")) else { return nil }
        return try JSONCoding.decode(SearchRecord.self, from: d, source: dir.file("search.json"), what: "search record")
    }

    func run(_ cell: Experiment, resuming existing: RunDirectory? = nil) throws -> ExperimentRunner.Outcome {
        guard let spec = cell.search else { throw LabError("\(cell.name): not a search cell") }
        if let existing { try SlurmSubmission.refuseWhileQueued(existing, workspace: workspace) }
        var (dir, manifest) = try open(cell, existing: existing)
        let bar = ProgressReporter(label: "[\(cell.name) search]", quiet: quiet)
        var chosenTrials: [Int] = []
        let outcome = try RunLifecycle.run(dir, &manifest, onInterrupt: {
            if !quiet { FileHandle.standardError.write(Data("\ninterrupted; `lab reproduce` continues the search\n".utf8)) }
        }) { manifest in
            let data = try prepare(cell, spec: spec, dir: dir, manifest: &manifest)
            let record = try halve(cell, spec: spec, data: data, dir: dir, bar: bar)
            let chosen = record.chosen
            // The chosen configuration alone meets the test set, once.
            let e = cell.applying(record.trials[chosen].params, seed: record.trials[chosen].seed)
            let model = buildModel(e, data: data)
            let state = try Checkpoint.load(path: trialFile(dir, chosen, "checkpoint.safetensors"), model: model)
            try Checkpoint.loadWeights(into: model, path: trialFile(dir, chosen, "model.safetensors")) // best epoch's weights
            let result = TrainResult(history: state.history, bestEpoch: state.bestEpoch, stoppedEarly: false, interrupted: false)
            let aggregate = cell.aggregate ?? .meanProbability
            let validation = Evaluation(model: model, data: data.validation, clipIndex: data.validationClips, aggregate: aggregate,
                                        on: context)
            let test = Evaluation(model: model, data: data.test, clipIndex: data.testClips, aggregate: aggregate, on: context)
            let metrics = RunMetrics(experiment: cell.name, data: data, validation: validation, test: test, result: result,
                                     seconds: state.history.reduce(0) { $0 + ($1.seconds ?? 0) },
                                     bootstrap: cell.bootstrap ?? BootstrapPlan(), on: context)
            manifest.model = BuiltModel(model)
            try Checkpoint.saveWeights(model, to: dir.file("model.safetensors"),
                                       metadata: try WeightsMetadata.describe(e, model: model, data: data, run: dir.id))
            try dir.writeJSON(metrics, to: "metrics.json")
            try dir.writeJSON(record, to: "search.json")
            try dir.write(Data(HistoryCSV.render(state.history).utf8), to: "history.csv")
            try dir.write(Data(PredictionsCSV.render(test, data: data).utf8), to: "predictions.csv")
            try RunFigures.draw(metrics: metrics, history: state.history, test: test, title: "\(cell.name) (searched)", into: dir)
            try drawSearchFigures(record, title: cell.name, into: dir)
            chosenTrials = [chosen] + record.trials.indices.filter { $0 != chosen }
            return metrics
        }
        if case .complete(_, let metrics) = outcome {
            // A finished search needs no resume points.
            for t in chosenTrials { try? FileManager.default.removeItem(atPath: trialFile(dir, t, "checkpoint.safetensors")) }
            bar.finish(String(format: "search done: trial %d chosen, test clip accuracy %.3f", chosenTrials.first ?? 0,
                              metrics.test.clip.accuracy))
        }
        return outcome
    }

    /// Creates a search's folder (data prepared, plan frozen, every trial sampled) without training:
    /// separate processes train the trials (`lab search submit`, `lab search run`). Marked submitted.
    func initialise(_ cell: Experiment) throws -> RunDirectory {
        guard let spec = cell.search else { throw LabError("\(cell.name): not a search cell") }
        var (dir, manifest) = try open(cell, existing: nil)
        do {
            _ = try prepare(cell, spec: spec, dir: dir, manifest: &manifest)
            _ = try Self.trials(cell, spec: spec, dir: dir)
            try dir.end(&manifest, as: .submitted)
            return dir
        } catch is Interrupted {
            try dir.end(&manifest, as: .interrupted)
            throw LabError("interrupted while preparing search \(dir.id)", hint: "`lab reproduce` continues it")
        } catch {
            try? dir.end(&manifest, as: .failed, error: error)
            throw error
        }
    }

    /// The search's run folder, new or resumed, with its manifest marked running by this process.
    func open(_ cell: Experiment, existing: RunDirectory?) throws -> (RunDirectory, RunManifest) {
        try RunLifecycle.begin(cell, seed: cell.search?.seed ?? 0, workspace: workspace, command: command, context: context,
                              resuming: existing)
    }

    /// Prepares the data once for every trial, writes split.json, and freezes plan.json (or checks
    /// that a resumed search still has the same data, split and space).
    func prepare(_ cell: Experiment, spec: SearchSpec, dir: RunDirectory, manifest: inout RunManifest) throws -> PreparedData {
        let data = try workspace.prepareData(for: cell, label: "[\(cell.name) search]", quiet: quiet, context: context,
                                             shouldStop: shouldStop,
                                             manifest: &manifest)
        try dir.writeJSON(data.split, to: "split.json")
        let splitHash = try FigureHashes.hash(dir.file("split.json"))
        let plan = SearchPlan(spec: spec, cell: cell, fingerprint: data.collection.fingerprint, splitHash: splitHash,
                              commit: manifest.gitCommit, engine: Engine.identity)
        if let frozen = try? JSONCoding.decoder.decode(SearchPlan.self,
                                                       from: Data(contentsOf: URL(fileURLWithPath: dir.file("plan.json")))) {
            guard frozen.spec == plan.spec, frozen.fingerprint == plan.fingerprint, frozen.splitHash == plan.splitHash else {
                throw LabError("\(dir.file("plan.json")): the data, split or search space changed since this search started",
                               hint: "`lab reproduce --force` starts the search afresh")
            }
        } else {
            try dir.writeJSON(plan, to: "plan.json")
        }
        try dir.writeJSON(manifest, to: "manifest.json")
        return data
    }

    /// Every trial's folder: its status.json as saved, or a fresh one with its sampled values.
    static func trials(_ cell: Experiment, spec: SearchSpec, dir: RunDirectory) throws -> [SearchRecord.Trial] {
        try (0..<spec.trials).map { t in
            let folder = dir.file(String(format: "trials/%03d", t))
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            if let d = FileManager.default.contents(atPath: folder + "/status.json"),
               let saved = try? JSONCoding.decoder.decode(SearchRecord.Trial.self, from: d) { return saved }
            let trial = SearchRecord.Trial(trial: t, params: spec.sample(trial: t), seed: spec.trainingSeed(trial: t), status: .running,
                                           scores: [], curve: [])
            try JSONCoding.encode(cell.applying(trial.params, seed: trial.seed)).write(to: URL(fileURLWithPath: folder + "/config.json"),
                                                                                       options: .atomic)
            try TrialStore(dir: dir).save(trial)
            return trial
        }
    }

    /// The rung tables ranked so far (rungs.json), empty before the first.
    static func rungs(_ dir: RunDirectory) throws -> [SearchRecord.Rung] {
        guard let d = FileManager.default.contents(atPath: dir.file("rungs.json")) else { return [] }
        return try JSONCoding.decode([SearchRecord.Rung].self, from: d, source: dir.file("rungs.json"), what: "rung table")
    }

    /// The trials that train at rung r (0-based): all of them at the first, then those promoted.
    static func entrants(rung r: Int, spec: SearchSpec, rungs: [SearchRecord.Rung]) -> [Int]? {
        r == 0 ? Array(0..<spec.trials) : r - 1 < rungs.count ? rungs[r - 1].promoted : nil
    }

    /// Ranks rung r (0-based) among `entrants` (a trial that failed is ranked no further), marks the
    /// others pruned, and returns the rung's table. The ranking is a total order, so the result does
    /// not depend on where or in what order the trials trained.
    static func rank(rung r: Int, spec: SearchSpec, entrants: [Int], trials: inout [SearchRecord.Trial], dir: RunDirectory,
                     workspace: Workspace) throws -> SearchRecord.Rung {
        let alive = entrants.filter { trials[$0].status != .failed && trials[$0].scores.count > r }
        guard !alive.isEmpty else {
            throw LabError("every trial of rung \(r + 1) failed",
                           hint: "see the errors in \(workspace.relative(dir.file("trials")))/*/status.json")
        }
        let ranking = SuccessiveHalving.rank(alive.map { trials[$0].scores[r] })
        let last = r == spec.rungs.count - 1
        let promoted = Array(ranking.prefix(last ? 1 : spec.survivors(of: alive.count)).map(\.trial)).sorted()
        for t in alive where !promoted.contains(t) {
            trials[t].status = .pruned
            try TrialStore(dir: dir).save(trials[t])
        }
        return SearchRecord.Rung(epochs: spec.rungs[r], ranking: ranking, promoted: promoted)
    }

    func trialFile(_ dir: RunDirectory, _ t: Int, _ name: String) -> String { Self.trialFile(dir, t, name) }

    static func trialFile(_ dir: RunDirectory, _ t: Int, _ name: String) -> String { TrialStore(dir: dir).file(t, name) }

    static func status(_ dir: RunDirectory, _ t: Int) throws -> SearchRecord.Trial { try TrialStore(dir: dir).read(t) }

    /// Saves a trial that finished a rung: running again, until its rung is ranked.
    static func writeStatus(_ trial: SearchRecord.Trial, _ dir: RunDirectory) throws {
        var t = trial
        t.status = .running
        try TrialStore(dir: dir).save(t)
    }

    /// One trial's rung, as a Slurm job runs it (`lab search trial`): the cell from the run's
    /// manifest, the data from the shared feature cache, the trial from its status.json. Does
    /// nothing if the trial already has that rung's score.
    func trainOne(dir: RunDirectory, trial t: Int, epochs: Int) throws {
        let cell = try dir.readManifest().experiment
        guard let r = cell.search?.rungs.firstIndex(of: epochs) else { throw LabError("\(dir.id): no rung of \(epochs) epochs") }
        guard try Self.status(dir, t).scores.count <= r else { return } // already done
        let root = try workspace.dataRoot(for: cell.data, quiet: true, threads: context.threads)
        let data = try PreparedData.prepare(try workspace.dataPlan(for: cell, root: root), cacheDirectory: workspace.cache,
                                            collection: try workspace.scan(cell, root: root, context: context),
                                            on: context, shouldStop: shouldStop)
        let trial = try Self.status(dir, t)
        guard trial.scores.count <= r else { return }
        try Self.writeStatus(try train(cell, trial: trial, to: epochs, data: data, dir: dir), dir)
    }

    /// Marks trial t failed at rung r (0-based) with `reason`, unless it finished that rung after all.
    static func markFailed(dir: RunDirectory, trial t: Int, rung r: Int, reason: String) throws {
        var trial = try status(dir, t)
        guard trial.scores.count <= r, trial.status != .failed else { return }
        try TrialStore(dir: dir).markFailed(&trial, reason: reason)
    }

    private func buildModel(_ e: Experiment, data: PreparedData) -> Model {
        Trainer.initialModel(config: ModelConfig(spec: e.model, input: e.inputShape,
                                                 classes: data.collection.classes.count), seed: e.training.seed)
    }

    /// Synchronous successive halving, resumable: a trial's rungs already in its status.json are not retrained.
    private func halve(_ cell: Experiment, spec: SearchSpec, data: PreparedData, dir: RunDirectory,
                       bar: ProgressReporter) throws -> SearchRecord {
        var trials = try Self.trials(cell, spec: spec, dir: dir)
        var rungs: [SearchRecord.Rung] = []
        var alive = Array(0..<spec.trials)
        for (r, epochs) in spec.rungs.enumerated() {
            let pending = alive.filter { trials[$0].scores.count <= r && trials[$0].status != .failed }
            if case .slurm(let options) = executor, !pending.isEmpty {
                try runOnSlurm(pending, rung: r, epochs: epochs, options: options, dir: dir, bar: bar)
                for t in pending { trials[t] = try Self.status(dir, t) }
            } else if case .processes(let workers) = executor, !pending.isEmpty {
                try runInProcesses(pending, rung: r, epochs: epochs, workers: workers, dir: dir, bar: bar)
                for t in pending { trials[t] = try Self.status(dir, t) }
            } else {
                for t in pending {
                    bar.status("rung \(r + 1)/\(spec.rungs.count) (\(epochs) epochs): trial \(t), "
                               + "\(alive.count) of \(spec.trials) \(r == 0 ? "sampled" : "promoted")", force: true)
                    do {
                        trials[t] = try train(cell, trial: trials[t], to: epochs, data: data, dir: dir)
                        try Self.writeStatus(trials[t], dir)
                    } catch is Interrupted {
                        throw Interrupted()
                    } catch {
                        // Recorded, never retried blindly, never blocking the search.
                        try TrialStore(dir: dir).markFailed(&trials[t], reason: "\(error)")
                    }
                }
            }
            // A trial that failed at this rung (its error in its status.json) is ranked no further.
            let rung = try Self.rank(rung: r, spec: spec, entrants: alive, trials: &trials, dir: dir, workspace: workspace)
            rungs.append(rung)
            try dir.writeJSON(rungs, to: "rungs.json")
            alive = rung.promoted
        }
        let chosen = alive[0]
        trials[chosen].status = .complete
        try TrialStore(dir: dir).save(trials[chosen])
        return SearchRecord(spec: spec, trials: trials, rungs: rungs, chosen: chosen)
    }

    /// Trains one trial on to `epochs`, from its checkpoint when it has one (bit-identical to training
    /// straight through), and scores it on the validation set at the rung's last epoch.
    private func train(_ cell: Experiment, trial: SearchRecord.Trial, to epochs: Int, data: PreparedData,
                       dir: RunDirectory) throws -> SearchRecord.Trial {
        var e = cell.applying(trial.params, seed: trial.seed)
        e.training.epochs = epochs
        e.training.patience = nil // halving is the only early stopping in a search
        e.training.scheduleEpochs = cell.search?.rungs.last // one learning-rate curve across the rungs
        let model = buildModel(e, data: data)
        let checkpoint = trialFile(dir, trial.trial, "checkpoint.safetensors")
        let trainer = FileManager.default.fileExists(atPath: checkpoint)
            ? try Trainer(model: model, config: e.training, context: context, resumingFrom: try Checkpoint.load(path: checkpoint,
                    model: model))
            : Trainer(model: model, config: e.training, context: context)
        let result = try trainer.fit(train: data.train, validation: data.validation, checkpoint: { state in
            try Checkpoint.save(state, model: model, to: checkpoint)
        }, shouldStop: shouldStop)
        if result.interrupted { throw Interrupted() }
        try Checkpoint.saveWeights(model, to: trialFile(dir, trial.trial, "model.safetensors"))
        var out = trial
        let lastEpoch = result.history.last!
        out.scores.append(RungScore(trial: trial.trial, validationAUC: lastEpoch.validationAUC, validationLoss: lastEpoch.validationLoss))
        out.curve = result.history.map(\.validationAUC)
        return out
    }

    private func drawSearchFigures(_ record: SearchRecord, title: String, into dir: RunDirectory) throws {
        let names = record.spec.space.keys.sorted()
        let finalists = Set(record.trials.filter { $0.scores.count == record.spec.rungs.count }.map(\.trial))
        let logScale = Set(names.filter { if case .logUniform = record.spec.space[$0]! { return true }; return false })
        try Charts.searchParameters(names: names, values: record.trials.map { t in names.map { t.params[$0]! } },
                                    scores: record.trials.map { $0.scores.first?.validationAUC }, finalists: finalists, logScale: logScale,
                                    scoreLabel: "validation ROC-AUC, rung 1",
                                    title: "\(title): validation ROC-AUC at rung 1 (red: reached the last "
                                            + "rung)").writePNG(to: dir.file(Self.figures[0]))
        try Charts.searchHalving(curves: record.trials.map { ($0.trial, $0.curve) }, rungs: record.spec.rungs, chosen: record.chosen,
                                 scoreLabel: "validation ROC-AUC (macro, segments)",
                                 title: "\(title): successive halving, eta = \(record.spec.eta), rungs \(record.spec.rungs)")
            .writePNG(to: dir.file(Self.figures[1]))
    }
}
