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
        stereo (downmixed), of any length. A file's probabilities are the mean over its segments, as \
        the report aggregates clips. A file shorter than one segment is refused when the model was \
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
    @Option(help: "The notebook whose report names the experiments (`results`, `next-steps` or a .lab.md path).") var notebook = "results"
    @Flag(help: "Print the time per file of decoding, features and inference on standard error.") var profile = false
    @OptionGroup var options: RunOptions

    func validate() throws {
        guard top >= 0 else { throw ValidationError("--top must be 0 (all) or more, got \(top)") }
        guard !(csv && json) else { throw ValidationError("give one of --csv or --json") }
        guard !inputs.isEmpty else { throw ValidationError("name at least one audio file or directory") }
    }

    func run() throws {
        options.apply()
        let ws = Workspace.current
        let path = try ModelSource.resolve(source, notebook: notebook, workspace: ws, reproduce: reproduce, quiet: options.quiet)
        let trained = try TrainedModel.load(path: path)
        let (files, missing) = try Self.audioFiles(inputs)
        if png != nil && files.count != 1 {
            throw LabError("--png draws one file's taggram; \(files.count) files were given", hint: "name one file, or leave out --png")
        }
        let bar = ProgressReporter(label: "[predict \(trained.card.experiment)]", quiet: options.quiet || files.count < 2)
        // A missing file is reported with the unreadable ones, at the end: the others still go on.
        var results: [(file: String, prediction: TrainedModel.FilePrediction)] = [], failures: [(String, String)] = missing
        let extractor = LogMelExtractor(params: trained.card.features)
        // Features for a chunk of files in parallel (decoding dominates), then the network on them in
        // order: memory stays bounded however many files there are, and the output order is fixed.
        let chunk = max(8, 4 * Parallelism.threads)
        var timing = (decode: 0.0, features: 0.0, featureWall: 0.0, inference: 0.0)
        for start in stride(from: 0, to: files.count, by: chunk) {
            let part = Array(files[start..<min(files.count, start + chunk)])
            var features = [Result<(FeatureMatrix, Double), Error>?](repeating: nil, count: part.count)
            var stageTimes = [(decode: Double, features: Double)](repeating: (0, 0), count: part.count)
            let wall = Date()
            features.withUnsafeMutableBufferPointer { slots in
                let out = slots
                stageTimes.withUnsafeMutableBufferPointer { times in
                    let t = times
                    Parallelism.forEach(part.count) { i in
                        out[i] = Result {
                            let t0 = Date()
                            let samples = try ClipFeatures.decode(path: part[i].path, params: trained.card.features)
                            let t1 = Date()
                            let m = ClipFeatures.features(of: samples, params: trained.card.features, extractor: extractor)
                            t[i] = (t1.timeIntervalSince(t0), Date().timeIntervalSince(t1))
                            return (m, Double(samples.count) / Double(trained.card.features.sampleRate))
                        }
                    }
                }
            }
            timing.featureWall += Date().timeIntervalSince(wall)
            for t in stageTimes { timing.decode += t.decode; timing.features += t.features }
            for (file, r) in zip(part, features) {
                do {
                    let (m, seconds) = try r!.get()
                    let t0 = Date()
                    results.append((file.shown, try trained.predict(features: m, seconds: seconds, padShort: padShort)))
                    timing.inference += Date().timeIntervalSince(t0)
                } catch let e as AudioError {
                    failures.append((file.shown, e.reason))
                } catch let e as UserError {
                    failures.append((file.shown, e.message))
                } catch {
                    failures.append((file.shown, "\(error)"))
                }
            }
            bar.update(done: min(files.count, start + chunk), total: files.count, detail: "files")
        }
        bar.finish("\(results.count) \(results.count == 1 ? "file" : "files") classified, \(failures.count) unreadable")
        if profile {
            let n = Double(max(1, files.count))
            FileHandle.standardError.write(Data(String(format: "per file: decode %.1f ms, features %.1f ms (thread time; both on %d threads: %.1f ms "
                                                       + "wall), inference %.1f ms; %d files\n", 1000 * timing.decode / n, 1000 * timing.features / n,
                                                       Parallelism.threads, 1000 * timing.featureWall / n, 1000 * timing.inference / n,
                                                       files.count).utf8))
        }
        print(PredictionOutput.render(results, classes: trained.card.classes, top: top, timeline: timeline,
                                      format: csv ? .csv : json ? .json : .text), terminator: "")
        if let png, let first = results.first {
            let name = (first.file as NSString).lastPathComponent
            try PredictionOutput.taggram(first.prediction, classes: trained.card.classes,
                                         title: "\(name): class probability per segment (model \(trained.card.experiment))")
                .writePNG(to: png)
            FileHandle.standardError.write(Data("wrote \(png)\n".utf8))
        }
        for (file, reason) in failures { FileHandle.standardError.write(Data("error: \(file): \(reason)\n".utf8)) }
        if !failures.isEmpty { throw ExitCode(1) }
    }

    /// Every audio file named or under a named directory, sorted, with the name to show: a file as
    /// given, a file under a directory relative to it (as a run's predictions.csv names clips). A named
    /// path that does not exist is returned in `missing`, so the others are still classified; only when
    /// nothing at all is left is that an error.
    static func audioFiles(_ inputs: [String]) throws -> (files: [(path: String, shown: String)], missing: [(String, String)]) {
        var out: [(String, String)] = [], missing: [(String, String)] = []
        for input in inputs {
            let path = (input as NSString).expandingTildeInPath
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
            if found.isEmpty { throw LabError("\(input): no audio files (\(AudioCollection.defaultExtensions.sorted().joined(separator: ", "))) under it") }
            out += found.sorted().map { ((path as NSString).appendingPathComponent($0), $0) }
        }
        if out.isEmpty, let first = missing.first {
            throw LabError("\(first.0): no such file or directory" + (missing.count > 1 ? " (nor \(missing.count - 1) more of the paths given)" : ""))
        }
        return (out, missing)
    }
}

/// Where a model comes from: a weights file, a run, or an experiment of the report.
enum ModelSource {
    static func resolve(_ source: String, notebook: String, workspace ws: Workspace, reproduce: Bool, quiet: Bool) throws -> String {
        if source.hasSuffix(".safetensors") || (source.contains("/") && FileManager.default.fileExists(atPath: source)) {
            guard FileManager.default.fileExists(atPath: source) else { throw LabError("\(source): no such weights file") }
            return source
        }
        let notebookPath = NotebookRun.notebookPath(notebook, workspace: ws)
        let run = ws.run(source)
        if FileManager.default.fileExists(atPath: run.file("manifest.json")) {
            let manifest = try run.readManifest()
            guard manifest.status == .complete else {
                throw LabError("run \(source) is \(manifest.status.rawValue), not complete", hint: "`lab reproduce` finishes it")
            }
            if FileManager.default.fileExists(atPath: run.file("model.safetensors")) { return run.file("model.safetensors") }
            return try missing(runName: manifest.experiment.runName, run: source, notebookPath: notebookPath, workspace: ws, reproduce: reproduce,
                               quiet: quiet)
        }
        // An experiment of the report: the newest complete run of that name whose config and data
        // are the report's (so a run of an edited cell is not taken for the reported one).
        let reported = try? ResultsFile.load(Data(contentsOf: URL(fileURLWithPath: NotebookRun.resultsPath(notebookPath: notebookPath))),
                                             source: ws.relative(NotebookRun.resultsPath(notebookPath: notebookPath)))
        let entry = reported?.experiments.first { $0.name == source }
        let runs = ws.runIDs().map(ws.run).filter { dir in
            guard let m = try? dir.readManifest(), m.status == .complete, m.experiment.runName == source else { return false }
            return entry.map { m.experiment.reuseKey == $0.config.reuseKey && m.fingerprint == $0.fingerprint } ?? true
        }
        if let withWeights = runs.first(where: { FileManager.default.fileExists(atPath: $0.file("model.safetensors")) }) {
            return withWeights.file("model.safetensors")
        }
        guard entry != nil || !runs.isEmpty else {
            let names = reported?.experiments.map(\.name).joined(separator: ", ") ?? "none"
            throw LabError("\(source): neither a weights file, a run under target/, nor an experiment of \(ws.relative(notebookPath)) "
                           + "(its experiments: \(names))", hint: "`lab runs` lists the runs; --notebook picks another report")
        }
        return try missing(runName: source, run: runs.first?.id, notebookPath: notebookPath, workspace: ws, reproduce: reproduce, quiet: quiet)
    }

    /// The weights are not here (they are never committed): say how to get them, or with
    /// --reproduce train the experiment again, which gives the same bits.
    static func missing(runName: String, run: String?, notebookPath: String, workspace ws: Workspace, reproduce: Bool, quiet: Bool) throws -> String {
        let what = run.map { "target/\($0)/model.safetensors" } ?? "a run of `\(runName)` with its weights"
        guard reproduce else {
            throw LabError("\(what) is not here: weights are not committed; `lab reproduce \(ws.relative(notebookPath))` regenerates them bit for bit",
                           hint: "or add --reproduce to train `\(runName)` again now")
        }
        let nb = try NotebookParser.load(path: notebookPath)
        guard let e = nb.experiments.flatMap({ $0.expanded() }).first(where: { $0.runName == runName }) else {
            throw LabError("\(ws.relative(notebookPath)) has no cell `\(runName)` to train again", hint: "--notebook names the notebook it came from")
        }
        StopSignal.install()
        let lock = try WorkspaceLock(workspace: ws)
        defer { withExtendedLifetime(lock) {} }
        let outcome = e.search != nil ? try SearchRunner(workspace: ws, quiet: quiet, command: "lab predict --reproduce").run(e)
            : try ExperimentRunner(workspace: ws, quiet: quiet, command: "lab predict --reproduce").run(e)
        guard case .complete(let dir, _) = outcome else { throw LabError("interrupted: \(runName) was not trained again") }
        return dir.file("model.safetensors")
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
        func csvField(_ s: String) -> String { s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s }
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
                File(path: file, seconds: p.seconds, top: ranked(p.clipProbabilities[...]).map(\.0), probabilities: named(p.clipProbabilities[...]),
                     segments: timeline ? p.segmentTimes.enumerated().map { j, t in
                         Segment(start: t.start, end: t.end, probabilities: named(p.segmentProbabilities[(j * k)..<((j + 1) * k)]))
                     } : nil)
            }
            struct Out: Encodable { var classes: [String]; var files: [File] }
            return (try? String(decoding: JSONCoding.encode(Out(classes: classes, files: files)), as: UTF8.self)) ?? "{}\n"
        case .text:
            var s = ""
            for (file, p) in results {
                s += "\(file)  (\(String(format: "%.1f", p.seconds)) s, \(p.segmentTimes.count) segment\(p.segmentTimes.count == 1 ? "" : "s"))\n"
                for (i, (name, v)) in ranked(p.clipProbabilities[...]).enumerated() {
                    s += "  \(i + 1). " + pad(name, 14) + String(format: "%.3f", v) + "\n"
                }
                if timeline {
                    for (j, t) in p.segmentTimes.enumerated() {
                        let best = ranked(p.segmentProbabilities[(j * k)..<((j + 1) * k)])[0]
                        s += String(format: "     %7.2f-%7.2f s  ", t.start, t.end) + pad(best.0, 14) + String(format: "%.3f", best.1) + "\n"
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
