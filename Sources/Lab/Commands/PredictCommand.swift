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
          lab predict cnn song.mp3 --notebook tagging                 (a tagging model: the top tags)
          lab predict cnn clips/ --notebook tagging --threshold 0.5   (every tag at or above 0.5)
        """
    )

    @Argument(help: "A run id, an experiment name of the report, or a model.safetensors path.") var source: String
    @Argument(help: "Audio files or directories.") var inputs: [String]
    @Option(help: "Classes (or tags) to print per file (0: all).") var top = 5
    @Option(help: "A tagging model: the tags whose probability is at or above this (0 to 1), instead of the top ones.")
    var threshold: Double?
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
        if let threshold, !(0...1).contains(threshold) {
            throw ValidationError("--threshold is a probability from 0 to 1, got \(threshold)")
        }
    }

    func run() throws {
        let job = PredictionJob(source: source, notebook: notebook, reproduce: reproduce, inputs: inputs, padShort: padShort,
                                format: csv ? .csv : json ? .json : .text, top: top, threshold: threshold, timeline: timeline, png: png,
                                profile: profile)
        try job.run(workspace: options.workspace, quiet: options.quiet, context: try options.context())
    }
}
