import ArgumentParser
import Core
import Dispatch
import Foundation

struct BenchCacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Feature cache: a first (cold) pass over a collection against a second (warm) one.",
        discussion: """
        Target: the second pass at least 20x faster than the first.

        Examples:
          lab bench cache
          lab bench cache --clips-per-genre 10 --seconds 30
        """
    )
    @Option(help: "Clips per genre.") var clipsPerGenre = 10
    @Option(help: "Seconds per clip.") var seconds: Double = 30

    func run() throws {
        try CacheBenchmark(clipsPerGenre: clipsPerGenre, seconds: seconds).run()
    }
}
