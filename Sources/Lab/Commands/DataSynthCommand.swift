import ArgumentParser
import Core
import Foundation

struct DataSynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write the built-in synthetic GTZAN-style collection.",
        discussion: """
        Writes DIR/<genre>/<genre>.000NN.au (22050 Hz, mono, 16-bit), GTZAN's layout and format. \
        The same arguments give byte-identical files on every machine and thread count. \
        See docs/builtin-collection.md for what each genre sounds like.

        Examples:
          lab data synth --out target/data/gtzan-synth
          lab data synth --out small-set --clips-per-genre 5 --seconds 10 --genres classical,metal
        """
    )

    @Option(help: "Output directory.") var out: String
    @Option(help: "Clips per genre.") var clipsPerGenre = 100
    @Option(help: "Seconds per clip.") var seconds: Double = 30
    @Option(help: "Seed.") var seed: UInt64 = 1
    @Option(help: "Comma-separated genres (default: all ten).") var genres: String?
    @OptionGroup var options: RunOptions

    func run() throws {
        let context = try options.context()
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
