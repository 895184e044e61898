import Core
import Foundation

/// `lab bench synth`: time to write a GTZAN-sized built-in collection (10 genres x 100 clips x 30 s).
struct SynthBenchmark {
    let clipsPerGenre: Int
    let seconds: Double
    let threads: Int

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
