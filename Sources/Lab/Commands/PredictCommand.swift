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

    func run() throws {
        let context = try options.context()
        let ws = options.workspace
        let resolved = try ModelSource.resolve(source, notebook: notebook, workspace: ws, reproduce: reproduce, quiet: options.quiet,
                                               on: context)
        let trained = try TrainedModel.load(path: resolved.weights)
        if !options.quiet { FileHandle.standardError.write(Data("using \(resolved.description)\n".utf8)) }
        let (files, missing) = try Self.audioFiles(inputs, workspace: ws)
        if png != nil && files.count != 1 {
            throw LabError("--png draws one file's taggram; \(files.count) files were given", hint: "name one file, or leave out --png")
        }
        let bar = ProgressReporter(label: "[predict \(trained.card.experiment)]", quiet: options.quiet || files.count < 2)
        let (predictions, timing) = trained.predict(files: files.map(\.path), padShort: padShort, on: context) { done, total in
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
                                                       context.threads, 1000 * timing.featureWall / n, 1000 * timing.inference / n,
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
