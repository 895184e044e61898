import ArgumentParser
import Core
import Foundation

struct DataSynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write the built-in synthetic GTZAN-style collection, or (--tagging) the built-in tagging collection.",
        discussion: """
        Writes DIR/<genre>/<genre>.000NN.au (22050 Hz, mono, 16-bit), GTZAN's layout and format. \
        The same arguments give byte-identical files on every machine and thread count. \
        See docs/builtin-collection.md for what each genre sounds like.

        Examples:
          lab data synth --out target/data/gtzan-synth
          lab data synth --out small-set --clips-per-genre 5 --seconds 10 --genres classical,metal
          lab data synth --tagging --out tag-set --clips 300 --seconds 10

        With --tagging: DIR/audio/clip.NNNNN.au and DIR/labels.csv (`path,labels`, tags separated by `;`): \
        each clip carries several of 13 tags, each a component the synthesiser really plays (the chord \
        voices, drums, bass, a melody) or a property it gives the clip (fast, slow, distorted, swing). \
        `lab data check DIR --labels DIR/labels.csv` reads it (its paths are relative to DIR).
        """
    )

    @Option(help: "Output directory.") var out: String
    @Option(help: "Clips per genre.") var clipsPerGenre = 100
    @Option(help: "Seconds per clip.") var seconds: Double = 30
    @Option(help: "Seed.") var seed: UInt64 = 1
    @Option(help: "Comma-separated genres (default: all ten).") var genres: String?
    @Flag(help: "Write the tagging collection (several tags a clip) instead.") var tagging = false
    @Option(help: "With --tagging: how many clips.") var clips = 300
    @OptionGroup var options: RunOptions

    func validate() throws {
        guard clips >= 1, clipsPerGenre >= 1, seconds > 0 else { throw ValidationError("--clips and --clips-per-genre must be at least 1, "
                + "--seconds positive") }
        if tagging && genres != nil { throw ValidationError("--genres is for the genre collection, not --tagging") }
    }

    func run() throws {
        let context = try options.context()
        if tagging {
            let bar = ProgressReporter(label: "synth", quiet: options.quiet)
            try BuiltinTaggingCollection.write(to: out, clips: clips, seconds: seconds, seed: seed, threads: context.threads) { done,
                    total in
                bar.update(done: done, total: total, detail: "clips")
            }
            bar.finish("\(clips) tagged clips and \(BuiltinTaggingCollection.labelsFile) in \(out)")
            return
        }
        let list = genres.map { $0.split(separator: ",").map(String.init) } ?? BuiltinCollection.genres
        let bar = ProgressReporter(label: "synth", quiet: options.quiet)
        let start = Date()
        try BuiltinCollection.write(to: out, clipsPerGenre: clipsPerGenre, seconds: seconds, seed: seed, genres: list,
                                    threads: context.threads) { done, total in
            bar.update(done: done, total: total, detail: "clips")
        }
        bar.finish("\(list.count * clipsPerGenre) clips in \(out) (\(String(format: "%.1f", Date().timeIntervalSince(start))) s)")
    }
}
