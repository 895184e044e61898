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
        let dir = try benchDirectory("synth")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = Date()
        try BuiltinCollection.write(to: dir, clipsPerGenre: clipsPerGenre, seconds: seconds, threads: threads)
        let s = Date().timeIntervalSince(t)
        let n = clipsPerGenre * BuiltinCollection.genres.count
        print(String(format: "%d clips x %.0f s on %d threads: %.1f s (%.1f clips/s)", n, seconds, threads, s, Double(n) / s))
    }
}
