import ArgumentParser
import Core
import Foundation

/// `lab predict`: a trained model (a run, a report's experiment or a weights file) on the user's own
/// audio files, every file through TrainedModel.predict(files:) in parallel; a file that cannot be
/// read is reported at the end and the others still go on.
struct PredictionJob {
    let source: String
    let notebook: String?
    let reproduce: Bool
    let inputs: [String]
    let padShort: Bool
    let format: PredictionOutput.Format
    let top: Int
    let threshold: Double?
    let timeline: Bool
    let png: String?
    let profile: Bool

    func run(workspace ws: Workspace, quiet: Bool, context: ExecutionContext) throws {
        let resolved = try ModelSource.resolve(source, notebook: notebook, workspace: ws, reproduce: reproduce, quiet: quiet,
                                               on: context)
        let trained = try TrainedModel.load(path: resolved.weights)
        if !quiet { FileHandle.standardError.write(Data("using \(resolved.description)\n".utf8)) }
        if threshold != nil && !trained.card.tagging {
            throw LabError("--threshold chooses tags of a tagging model; \(trained.card.experiment) gives one class per clip",
                           hint: "--top N prints its N most likely classes")
        }
        let (files, missing) = try Self.audioFiles(inputs, workspace: ws)
        if png != nil && files.count != 1 {
            throw LabError("--png draws one file's taggram; \(files.count) files were given", hint: "name one file, or leave out --png")
        }
        let bar = ProgressReporter(label: "[predict \(trained.card.experiment)]", quiet: quiet || files.count < 2)
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
        bar.finish("\(results.count) \(results.count == 1 ? "file" : "files") \(trained.card.tagging ? "tagged" : "classified"), "
                   + "\(failures.count) unreadable")
        if profile {
            let n = Double(max(1, files.count))
            FileHandle.standardError.write(Data(String(format: "per file: decode %.1f ms, features %.1f ms (thread time; both on %d "
                    + "threads: %.1f ms "
                                                       + "wall), inference %.1f ms; %d "
                                                               + "files\n", 1000 * timing.decode / n, 1000 * timing.features / n,
                                                       context.threads, 1000 * timing.featureWall / n, 1000 * timing.inference / n,
                                                       files.count).utf8))
        }
        print(PredictionOutput.render(results, classes: trained.card.classes, top: top, timeline: timeline, format: format,
                                      tags: trained.card.tagging ? .init(threshold: threshold) : nil), terminator: "")
        if let png, let first = results.first {
            let name = (first.file as NSString).lastPathComponent
            try PredictionOutput.taggram(first.prediction, classes: trained.card.classes,
                                         title: "\(name): \(trained.card.tagging ? "tag" : "class") probability per segment "
                                                 + "(run \(trained.card.run), "
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
