import ArgumentParser
import Core
import Foundation

struct DataCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Lint a collection before training: a folder per class, or audio described by a metadata file (--labels).",
        discussion: """
        Decodes every file in full, in parallel, computes its features as a run would, and prints \
        per-class clip counts, total duration, sample \
        rates and channel counts. Then it lists every file a run would skip, with the reason: unreadable, \
        truncated or empty files, files without an audio header, NaN or infinite samples, all-silent files \
        and files shorter than one segment. It also lists duplicates: files whose decoded audio is the same, \
        within a class or across classes (GTZAN has real ones). Exits 1 if any file would be skipped.

        Examples:
          lab data check ~/datasets/gtzan/genres
          lab data check ~/datasets/gtzan/genres_original --extensions wav
          lab data check songs/ --segment-seconds 5
          lab data check songs/ --segment-seconds 5 --tail pad   # as a `segment: {tail: pad}` run sees it
          lab data check ~/mtat/mp3 --labels ~/mtat/annotations_final.csv
          lab data check ~/fma/fma_large --labels ~/fma/fma_metadata/tracks.csv --subset medium

        With --labels, DIRECTORY is the audio root and the labels file says each clip's path and tags: \
        MagnaTagATune's annotations_final.csv, an MTG-Jamendo TSV, FMA's tracks.csv or a `path,labels` \
        CSV (labels separated by `;`). Rows that name no usable clip are listed with their line.
        """
    )

    @Argument(help: "The collection root: one folder per class (or, with --labels, the audio root).") var directory: String
    @Option(help: "A metadata file naming each clip's path and tags (see above).") var labels: String?
    @Option(help: "With an FMA tracks.csv: the subset, small, medium or large (they nest).") var subset: String?
    @Option(help: "Comma-separated audio extensions.") var extensions: String?
    @Option(help: "Segment length in seconds: files a run would find too short are listed.") var segmentSeconds = 2.0
    @Option(help: "The run's segment tail (drop or pad): with pad, a run keeps a file shorter than one segment.") var tail = "drop"
    @Option(help: "The run's feature sample rate (features.sr).") var sampleRate = 22050
    @Option(help: "The run's STFT hop in samples (features.hop_length).") var hopLength = 512
    @OptionGroup var options: RunOptions

    func validate() throws {
        if subset != nil && labels == nil { throw ValidationError("--subset needs --labels (an FMA tracks.csv)") }
        guard segmentSeconds >= 0.05 else { throw ValidationError("--segment-seconds must be at least 0.05, got \(segmentSeconds)") }
        guard SegmentTail(rawValue: tail) != nil else { throw ValidationError("--tail must be drop or pad, got \(tail)") }
        guard (1000...384_000).contains(sampleRate) else { throw ValidationError("--sample-rate must be between 1000 and 384000, got "
                + "\(sampleRate)") }
        guard (1...65_536).contains(hopLength) else { throw ValidationError("--hop-length must be between 1 and 65536, got \(hopLength)") }
    }

    /// The rule a run applies, as a run would build it from a cell with these values.
    var rule: DataCheck.Rule {
        var params = FeatureParams()
        params.sampleRate = sampleRate
        params.hopLength = hopLength
        return DataCheck.Rule(params: params, segmentSeconds: segmentSeconds,
                              spec: .seconds(segmentSeconds, hop: 1, params: params, tail: SegmentTail(rawValue: tail) ?? .drop))
    }

    func run() throws {
        let context = try options.context()
        let exts = extensions.map { Set($0.split(separator: ",").map { $0.lowercased() }) } ?? AudioCollection.defaultExtensions
        let collection: AudioCollection
        let root = options.workspace.userPath(directory)
        var metadata: MetadataCollection?
        do {
            if let labels {
                metadata = try MetadataCollection.load(labels: options.workspace.userPath(labels), root: root, subset: subset)
                collection = try metadata!.audioCollection(on: context)
            } else {
                collection = try AudioCollection.scan(root: root, extensions: exts)
            }
        } catch let e as CollectionError {
            throw LabError("\(e)", hint: "a collection is a folder with one sub-folder of audio files per class, or give --labels")
        } catch let e as MetadataError {
            throw LabError("\(e)")
        }
        let report = DataCheck.run(collection, rule: rule, progress: ProgressReporter(label: "decoding", quiet: options.quiet), on: context)
        print(metadata.map { report.tagSummary(of: $0, named: directory) } ?? report.summary(of: collection, named: directory),
              terminator: "")
        if !report.skipped.isEmpty { throw ExitCode(1) }
    }
}
