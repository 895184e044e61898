import ArgumentParser
import Core
import Foundation

struct BenchSynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Time to write a GTZAN-sized built-in collection (10 genres x 100 clips x 30 s).",
        discussion: """
        Target: at most 2 minutes on 2 cores.

        Examples:
          lab bench synth
          lab bench synth --clips-per-genre 10
        """
    )
    @Option(help: "Clips per genre.") var clipsPerGenre = 100
    @Option(help: "Seconds per clip.") var seconds: Double = 30
    @Option(help: "Threads.") var threads = 2

    func run() throws {
        try SynthBenchmark(clipsPerGenre: clipsPerGenre, seconds: seconds, threads: threads).run()
    }
}
