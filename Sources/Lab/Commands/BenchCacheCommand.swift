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
        let dir = try benchDirectory("cache")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try BuiltinCollection.write(to: dir + "/data", clipsPerGenre: clipsPerGenre, seconds: seconds)
        let collection = try AudioCollection.scan(root: dir + "/data")
        let cache = FeatureCache(directory: dir + "/cache")
        let extractor = LogMelExtractor()
        func pass() throws -> Double {
            let t = Date()
            let failure = FirstError()
            Parallelism.forEach(collection.clips.count) { i in
                do { _ = try cache.logMel(for: collection.clips[i], root: collection.root, params: FeatureParams(),
                        extractor: extractor) } catch { failure.record(error) }
            }
            try failure.check()
            return Date().timeIntervalSince(t)
        }
        let cold = try pass(), warm = try pass()
        print(String(format: "%d clips: first pass %.2f s (decode + features, %d misses), second pass %.3f s (%d hits): %.0fx faster",
                     collection.clips.count, cold, cache.misses, warm, cache.hits, cold / warm))
    }
}
