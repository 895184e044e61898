import ArgumentParser
import Core
import Foundation
import Plot

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify audio files with a trained model: top classes per file, or per segment.",
        discussion: """
        SOURCE is a run id (a folder under target/), an experiment of the workspace's report \
        (`two-class`, `multi-class`, `search`, or a repeat such as `plain-r2`), or a path to a \
        model.safetensors. Everything the model needs comes from the weights' own metadata: classes, \
        features (log-mel or harmonic), segment length and hop, and the input standardisation. Files \
        go through the same decoding, features and segments as training and evaluation, so a run's \
        own test clips get exactly the probabilities in its predictions.csv, on any CPU.

        Any format libsndfile reads (WAV, AU, AIFF, FLAC, OGG, MP3), at any sample rate, mono or \
        stereo (downmixed), of any length. A file's probabilities pool its segments the way the run's \
        evaluation pooled a clip's (the mean of probabilities, or the cell's `evaluation: {aggregate:}`: \
        mean_logits or max, as the weights' card records). A file shorter than one segment is refused when the model was \
        trained with `tail: drop` (as training skipped such clips), unless --pad-short pads it into \
        one segment as `tail: pad` does. A directory means every audio file under it. A file that \
        cannot be read is named with the reason; the others go on, and the exit status is 1.

        Weights are never committed. When a run's model.safetensors is missing, `lab reproduce` \
        regenerates it bit for bit, or --reproduce trains that one experiment again here.

        Examples:
          lab predict multi-class song.mp3
          lab predict multi-class ~/music/ --top 3 --csv > genres.csv
          lab predict multi-class song.flac --timeline
          lab predict multi-class song.flac --timeline --json > song.json
          lab predict multi-class song.flac --png song-taggram.png
          lab predict 1795800690 clips/ --threads 2
          lab predict target/1795800690/model.safetensors song.wav
          lab predict two-class song.ogg --reproduce
        """
    )

    @Argument(help: "A run id, an experiment name of the report, or a model.safetensors path.") var source: String
    @Argument(help: "Audio files or directories.") var inputs: [String]
    @Option(help: "Classes to print per file (0: all).") var top = 5
    @Flag(help: "One row per segment, with its start and end in seconds.") var timeline = false
    @Flag(help: "CSV on standard output (probabilities at full precision).") var csv = false
    @Flag(help: "JSON on standard output.") var json = false
    @Option(help: "Draw a taggram (class probability over time) of the one input file to this PNG.") var png: String?
    @Flag(help: "Pad a file shorter than one segment into one segment instead of refusing it.") var padShort = false
    @Flag(help: "When the weights are missing, train the experiment again (bit-identical) and use them.") var reproduce = false
    @Option(help: "The notebook whose experiment SOURCE is (`results`, `next-steps` or a .lab.md path; default: the only one that has it).")
    var notebook: String?
    @Flag(help: "Print the time per file of decoding, features and inference on standard error.") var profile = false
    @OptionGroup var options: RunOptions

    func validate() throws {
        guard top >= 0 else { throw ValidationError("--top must be 0 (all) or more, got \(top)") }
        guard !(csv && json) else { throw ValidationError("give one of --csv or --json") }
        guard !inputs.isEmpty else { throw ValidationError("name at least one audio file or directory") }
    }

    @OptionGroup var place: WorkspaceOption

    func run() throws {
        options.apply()
        let ws = place.workspace
        let resolved = try ModelSource.resolve(source, notebook: notebook, workspace: ws, reproduce: reproduce, quiet: options.quiet)
        let trained = try TrainedModel.load(path: resolved.weights)
        if !options.quiet { FileHandle.standardError.write(Data("using \(resolved.description)\n".utf8)) }
        let (files, missing) = try Self.audioFiles(inputs, workspace: ws)
        if png != nil && files.count != 1 {
            throw LabError("--png draws one file's taggram; \(files.count) files were given", hint: "name one file, or leave out --png")
        }
        let bar = ProgressReporter(label: "[predict \(trained.card.experiment)]", quiet: options.quiet || files.count < 2)
        let (predictions, timing) = trained.predict(files: files.map(\.path), padShort: padShort) { done, total in
            bar.update(done: done, total: total, detail: "files")
        }
        // A missing or unreadable file is reported at the end: the others still go on.
        var results: [(file: String, prediction: TrainedModel.FilePrediction)] = [], failures: [(String, String)] = missing
        for (file, p) in zip(files, predictions) {
            switch p {
            case .success(let prediction): results.append((file.shown, prediction))
            case .failure(let e as AudioError): failures.append((file.shown, e.reason))
            case .failure(let e as UserError): failures.append((file.shown, e.message))
            case .failure(let e): failures.append((file.shown, "\(e)"))
            }
        }
        bar.finish("\(results.count) \(results.count == 1 ? "file" : "files") classified, \(failures.count) unreadable")
        if profile {
            let n = Double(max(1, files.count))
            FileHandle.standardError.write(Data(String(format: "per file: decode %.1f ms, features %.1f ms (thread time; both on %d "
                    + "threads: %.1f ms "
                                                       + "wall), inference %.1f ms; %d "
                                                               + "files\n", 1000 * timing.decode / n, 1000 * timing.features / n,
                                                       Parallelism.threads, 1000 * timing.featureWall / n, 1000 * timing.inference / n,
                                                       files.count).utf8))
        }
        print(PredictionOutput.render(results, classes: trained.card.classes, top: top, timeline: timeline,
                                      format: csv ? .csv : json ? .json : .text), terminator: "")
        if let png, let first = results.first {
            let name = (first.file as NSString).lastPathComponent
            try PredictionOutput.taggram(first.prediction, classes: trained.card.classes,
                                         title: "\(name): class probability per segment (run \(trained.card.run), "
                                                 + "\(trained.card.experiment))")
                .writePNG(to: ws.userPath(png))
            FileHandle.standardError.write(Data("wrote \(png)\n".utf8))
        }
        for (file, reason) in failures { FileHandle.standardError.write(Data("error: \(file): \(reason)\n".utf8)) }
        if !failures.isEmpty { throw ExitCode(1) }
    }

    /// Every audio file named or under a named directory, sorted, with the name to show: a file as
    /// given, a file under a directory relative to it (as a run's predictions.csv names clips). A named
    /// path that does not exist is returned in `missing`, so the others are still classified; only when
    /// nothing at all is left is that an error.
    static func audioFiles(_ inputs: [String], workspace ws: Workspace? = nil) throws -> (files: [(path: String, shown: String)],
                                                                                       missing: [(String, String)]) {
        var out: [(String, String)] = [], missing: [(String, String)] = []
        for input in inputs {
            let path = ws?.userPath(input) ?? (input as NSString).expandingTildeInPath
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
                missing.append((input, "no such file or directory"))
                continue
            }
            guard isDir.boolValue else { out.append((path, input)); continue }
            guard let walker = FileManager.default.enumerator(atPath: path) else { throw LabError("\(input): cannot list the directory") }
            var found: [String] = []
            while let rel = walker.nextObject() as? String {
                let name = (rel as NSString).lastPathComponent
                if name.hasPrefix(".") { continue }
                if AudioCollection.defaultExtensions.contains((rel as NSString).pathExtension.lowercased()) { found.append(rel) }
            }
            if found.isEmpty { throw LabError("\(input): no audio files "
                    + "(\(AudioCollection.defaultExtensions.sorted().joined(separator: ", "))) under it") }
            out += found.sorted().map { ((path as NSString).appendingPathComponent($0), $0) }
        }
        if out.isEmpty, let first = missing.first {
            throw LabError("\(first.0): no such file or directory"
                    + (missing.count > 1 ? " (nor \(missing.count - 1) more of the paths given)" : ""))
        }
        return (out, missing)
    }
}

/// Where a model comes from: a weights file, a run, or an experiment of a notebook.
enum ModelSource {
    /// The weights to use, and the run they are (nil for a bare weights file), said on the terminal.
    struct Resolved { var weights: String; var description: String }

    static func resolve(_ source: String, notebook: String?, workspace ws: Workspace, reproduce: Bool, quiet: Bool) throws -> Resolved {
        let typed = ws.userPath(source)
        if source.hasSuffix(".safetensors") || (source.contains("/") && FileManager.default.fileExists(atPath: typed)) {
            guard FileManager.default.fileExists(atPath: typed) else { throw LabError("\(source): no such weights file") }
            return Resolved(weights: typed, description: "weights \(source)")
        }
        let store = RunStore(workspace: ws)
        if store.contains(source) {
            let run = store.directory(source)
            let manifest = try run.readManifest()
            guard manifest.status == .complete else {
                let home = manifest.status == .failed ? nil
                    : try notebookHolding(manifest.experiment.runName, notebook: notebook, workspace: ws).path
                let hint = home.map { "`lab reproduce \(ws.relative($0))` finishes it" } ?? "it failed: `lab show \(source)` says why"
                throw LabError("run \(source) is \(manifest.displayStatus), not complete", hint: hint)
            }
            let about = "run \(source) (\(manifest.experiment.runName))"
            if FileManager.default.fileExists(atPath: run.file("model.safetensors")) {
                return Resolved(weights: run.file("model.safetensors"), description: about)
            }
            let home = try notebookHolding(manifest.experiment.runName, notebook: notebook, workspace: ws)
            return try missing(runName: manifest.experiment.runName, run: source, notebookPath: home.path, workspace: ws,
                               reproduce: reproduce, quiet: quiet)
        }
        // An experiment of a notebook: the newest complete run of that name whose config and data
        // are the notebook's report's (so a run of an edited cell, or of another notebook's cell of
        // the same name, is not taken for it).
        let home = try notebookHolding(source, notebook: notebook, workspace: ws)
        let resultsPath = NotebookRun.resultsPath(notebookPath: home.path)
        let reported = try? ResultsFile.load(Data(contentsOf: URL(fileURLWithPath: resultsPath)), source: ws.relative(resultsPath))
        let entry = reported?.experiments.first { $0.name == source }
        if let run = store.newestComplete(named: source, entry: entry, cell: home.cell, withWeights: true) {
            return Resolved(weights: run.file("model.safetensors"), description: "run \(run.id) (\(source) of \(ws.relative(home.path)))")
        }
        let run = store.newestComplete(named: source, entry: entry, cell: home.cell, withWeights: false)
        return try missing(runName: source, run: run?.id, notebookPath: home.path, workspace: ws, reproduce: reproduce, quiet: quiet)
    }

    /// The notebook whose cells include `runName`: the one named with --notebook, else the only one
    /// in the workspace that has it. Several, or none, is a question for the user.
    static func notebookHolding(_ runName: String, notebook: String?, workspace ws: Workspace) throws -> (path: String, cell: Experiment) {
        func cell(in path: String) -> Experiment? {
            (try? NotebookParser.load(path: path))?.experiments.flatMap { $0.expanded() }.first { $0.runName == runName }
        }
        if let notebook {
            let path = NotebookRun.notebookPath(notebook, workspace: ws)
            let parsed = try NotebookParser.load(path: path)
            let cells = parsed.experiments.flatMap { $0.expanded() }
            guard let c = cells.first(where: { $0.runName == runName }) else {
                throw LabError("\(runName): not an experiment of \(ws.relative(path)) "
                               + "(its experiments: \(cells.map(\.runName).joined(separator: ", ")))",
                               hint: "`lab runs` lists the runs; --notebook names another notebook")
            }
            return (path, c)
        }
        let holders = ws.notebooks().compactMap { path in cell(in: path).map { (path, $0) } }
        guard holders.count == 1 else {
            if holders.isEmpty {
                let known = ws.notebooks().map { ws.relative($0) }.joined(separator: ", ")
                throw LabError("\(runName): neither a weights file, a run under target/, nor an experiment of a notebook here "
                               + "(\(known.isEmpty ? "no notebooks under \(ws.root)" : "notebooks: " + known))",
                               hint: "`lab runs` lists the runs; a notebook's cells name its experiments")
            }
            throw LabError("\(runName): an experiment of \(holders.count) notebooks "
                    + "(\(holders.map { ws.relative($0.0) }.joined(separator: ", ")))",
                           hint: "say which with --notebook, e.g. --notebook \(ws.relative(holders[0].0))")
        }
        return holders[0]
    }

    /// The weights are not here (they are never committed): say how to get them, or with
    /// --reproduce train the experiment again, which gives the same bits.
    static func missing(runName: String, run: String?, notebookPath: String, workspace ws: Workspace, reproduce: Bool,
                        quiet: Bool) throws -> Resolved {
        let what = run.map { "target/\($0)/model.safetensors" } ?? "a run of `\(runName)` with its weights"
        guard reproduce else {
            throw LabError("\(what) is not here: weights are not committed; `lab reproduce \(ws.relative(notebookPath))` regenerates them "
                    + "bit for bit",
                           hint: "or add --reproduce to train `\(runName)` again now")
        }
        let nb = try NotebookParser.load(path: notebookPath)
        guard let e = nb.experiments.flatMap({ $0.expanded() }).first(where: { $0.runName == runName }) else {
            throw LabError("\(ws.relative(notebookPath)) has no cell `\(runName)` to train again",
                           hint: "--notebook names the notebook it came from")
        }
        StopSignal.install()
        let lock = try WorkspaceLock(workspace: ws)
        defer { withExtendedLifetime(lock) {} }
        let outcome = e.search != nil ? try SearchRunner(workspace: ws, quiet: quiet, command: "lab predict --reproduce").run(e)
            : try ExperimentRunner(workspace: ws, quiet: quiet, command: "lab predict --reproduce").run(e)
        guard case .complete(let dir, _) = outcome else { throw LabError("interrupted: \(runName) was not trained again") }
        return Resolved(weights: dir.file("model.safetensors"), description: "run \(dir.id) (\(runName), trained again now)")
    }
}

/// What `lab predict` prints, and its taggram.
enum PredictionOutput {
    enum Format { case text, csv, json }

    static func render(_ results: [(file: String, prediction: TrainedModel.FilePrediction)], classes: [String], top: Int, timeline: Bool,
                       format: Format) -> String {
        let k = classes.count, n = top == 0 ? k : min(top, k)
        func ranked(_ p: ArraySlice<Double>) -> [(String, Double)] {
            let v = Array(p)
            return v.indices.sorted { v[$0] != v[$1] ? v[$0] > v[$1] : $0 < $1 }.prefix(n).map { (classes[$0], v[$0]) }
        }
        func csvField(_ s: String) -> String { s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"",
                with: "\"\"") + "\"" : s }
        switch format {
        case .csv:
            // Full precision, as predictions.csv writes them, so the numbers can be compared bit for bit.
            var s = timeline ? "path,segment,start_s,end_s," : "path,seconds,top,"
            s += classes.map { "p_\($0)" }.joined(separator: ",") + "\n"
            for (file, p) in results {
                if timeline {
                    for (j, t) in p.segmentTimes.enumerated() {
                        s += "\(csvField(file)),\(j),\(String(format: "%.3f", t.start)),\(String(format: "%.3f", t.end)),"
                        s += p.segmentProbabilities[(j * k)..<((j + 1) * k)].map { "\($0)" }.joined(separator: ",") + "\n"
                    }
                } else {
                    s += "\(csvField(file)),\(String(format: "%.3f", p.seconds)),\(ranked(p.clipProbabilities[...])[0].0),"
                    s += p.clipProbabilities.map { "\($0)" }.joined(separator: ",") + "\n"
                }
            }
            return s
        case .json:
            struct Segment: Encodable { var start: Double; var end: Double; var probabilities: [String: Double] }
            struct File: Encodable {
                var path: String; var seconds: Double; var top: [String]; var probabilities: [String: Double]; var segments: [Segment]?
            }
            func named(_ p: ArraySlice<Double>) -> [String: Double] { Dictionary(uniqueKeysWithValues: zip(classes, p)) }
            let files = results.map { file, p in
                File(path: file, seconds: p.seconds, top: ranked(p.clipProbabilities[...]).map(\.0),
                     probabilities: named(p.clipProbabilities[...]),
                     segments: timeline ? p.segmentTimes.enumerated().map { j, t in
                         Segment(start: t.start, end: t.end, probabilities: named(p.segmentProbabilities[(j * k)..<((j + 1) * k)]))
                     } : nil)
            }
            struct Out: Encodable { var classes: [String]; var files: [File] }
            return (try? String(decoding: JSONCoding.encode(Out(classes: classes, files: files)), as: UTF8.self)) ?? "{}\n"
        case .text:
            var s = ""
            for (file, p) in results {
                s += "\(file)  (\(String(format: "%.1f", p.seconds)) s, \(p.segmentTimes.count) "
                s += "segment\(p.segmentTimes.count == 1 ? "" : "s"))\n"
                for (i, (name, v)) in ranked(p.clipProbabilities[...]).enumerated() {
                    s += "  \(i + 1). " + pad(name, 14) + String(format: "%.3f", v) + "\n"
                }
                if timeline {
                    for (j, t) in p.segmentTimes.enumerated() {
                        let best = ranked(p.segmentProbabilities[(j * k)..<((j + 1) * k)])[0]
                        // Milliseconds: a segment is a whole number of frames, so a "2-s" one is 86 x 512 samples,
                        // 1.997 s; two decimals would make its bounds look like they drift.
                        s += String(format: "     %8.3f-%8.3f s  ", t.start, t.end) + pad(best.0, 14) + String(format: "%.3f",
                                best.1) + "\n"
                    }
                }
            }
            return s
        }
    }

    /// Classes x segments in viridis, the time axis in seconds (each segment drawn from its start for
    /// one hop), a colorbar of probability.
    static func taggram(_ p: TrainedModel.FilePrediction, classes: [String], title: String) -> Figure {
        let k = classes.count, n = p.segmentTimes.count
        let hop = n > 1 ? p.segmentTimes[1].start - p.segmentTimes[0].start : p.segmentTimes[0].end - p.segmentTimes[0].start
        var values = [Double](repeating: 0, count: k * n) // rows: classes, columns: segments
        for j in 0..<n { for c in 0..<k { values[c * n + j] = p.segmentProbabilities[j * k + c] } }
        return Charts.taggram(values: values, classes: classes, start: p.segmentTimes[0].start,
                              end: p.segmentTimes[n - 1].start + hop, title: title)
    }
}
